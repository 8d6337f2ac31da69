#pragma once

// Snapshots as operations: taking one (replaying the history to both heads
// on a throwaway database and dumping it) and verifying that each snapshot
// gives the schema its replaced revisions give.

#include "graph/revision_graph.hpp"
#include "runtime/migrator.hpp"
#include "script/snapshot_file.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ecluse {

struct SnapshotRunOptions {
    std::string ledger_schema;                   // left out of every dump
    std::chrono::milliseconds lock_wait{60'000}; // on the replay database
    MigratorOptions migrator;
};

// pg_dump from the server binaries the scratch server uses.
std::filesystem::path pg_dump_program();

// pg_dump's arguments that leave the bookkeeping schema `ledger_schema` out.
std::vector<std::string> without_ledger(const std::string& ledger_schema);

// The revisions a new snapshot replaces: those an older snapshot replaced
// whose files are gone, then every revision on disk in the order they apply.
std::vector<ReplacedRevision> replaced_by_new_snapshot(const RevisionGraph& graph,
                                                       const Project& project,
                                                       const std::vector<SnapshotFile>& older);

// A new snapshot at both heads of `graph` (valid; its SQL read from `project`): the
// history replayed on `dev_url`, else on a new scratch server, and dumped.
// `older` are the project's snapshots, whose replaced revisions that are no
// longer on disk the new one replaces too; `taken_at` is its creation time.
// Nothing is written.
SnapshotFile take_snapshot(const RevisionGraph& graph, const Project& project,
                           const std::vector<SnapshotFile>& older,
                           const std::optional<std::string>& dev_url, SystemTime taken_at,
                           const SnapshotRunOptions& options);

// For each snapshot whose replaced revisions are all on disk: replays them
// on a scratch server and compares the schema with the snapshot's own; a
// difference is a problem at the snapshot's file.
std::vector<Diagnostic> verify_snapshots(const RevisionGraph& graph, const Project& project,
                                         const std::vector<SnapshotFile>& snapshots,
                                         const SnapshotRunOptions& options);

} // namespace ecluse
