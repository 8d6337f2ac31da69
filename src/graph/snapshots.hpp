#pragma once

// Snapshots against the graph: which revisions they replace, and which one
// a fresh database can start from. Pure: no database.

#include "graph/revision_graph.hpp"
#include "graph/specifier.hpp"
#include "script/project.hpp"
#include "script/snapshot_file.hpp"

#include <vector>

namespace ecluse {

// Every revision the snapshots replace, each with the newest snapshot that
// does; `snapshots` oldest first.
ReplacedRevisions replaced_revisions(const std::vector<SnapshotFile>& snapshots);

// The revisions still on disk that `snapshot` replaces and whose SQL no
// longer has the checksum the snapshot recorded.
std::vector<const RevisionFile*> changed_since(const RevisionGraph& graph, const Project& project,
                                               const SnapshotFile& snapshot);
// The way out of such a change, for messages.
std::string changed_revision_hint(const SnapshotFile& snapshot);

// The newest snapshot that an empty database can start from on its way to
// `targets`, or nullptr: each of its heads must be in the graph's chain of
// its branch (or be what that chain stands on once the files below were
// deleted), at or below that branch's target, and a branch the targets
// leave alone must be empty in the snapshot. Throws CheckFailed when that
// snapshot replaces a revision changed since (changed_since): neither it
// nor a replay around it would be what the other databases got. Requires
// a valid graph.
const SnapshotFile* usable_snapshot(const RevisionGraph& graph, const Project& project,
                                    const std::vector<SnapshotFile>& snapshots,
                                    const std::vector<BranchTarget>& targets);

// The targets that bring a database to a snapshot's heads.
std::vector<BranchTarget> snapshot_targets(const SnapshotFile& snapshot);

} // namespace ecluse
