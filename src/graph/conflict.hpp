#pragma once

// The conflict-detection file measured against the graph on disk.

#include "graph/revision_graph.hpp"
#include "script/conflict_file.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ecluse {

// The heads the file should record. Requires at most one head per branch.
ConflictFileHeads expected_conflict_heads(const RevisionGraph& graph);

// Problems with the file: missing while revisions exist, conflict markers,
// malformed lines, or heads that differ from the graph's (compared only when
// the graph is valid: otherwise its heads are not known). `content` is
// nullopt when the file does not exist. Each names the command that fixes it.
std::vector<Diagnostic> check_conflict_file(const RevisionGraph& graph,
                                            const std::optional<std::string>& content,
                                            const std::string& path);

} // namespace ecluse
