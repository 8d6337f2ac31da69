#pragma once

// The offline part of `ecluse check`: everything that needs no database.

#include "graph/revision_graph.hpp"
#include "script/conflict_file.hpp"
#include "script/revision_cache.hpp"

#include <filesystem>
#include <optional>
#include <vector>

namespace ecluse {

struct CheckReport {
    std::vector<Diagnostic> problems;
    std::size_t revisions = 0;
    ConflictFileHeads heads; // the heads on disk (one per branch when valid)
    // The graph of the revision files that parse (their sections loaded only
    // where the cache had not seen them checked), for the checks after.
    std::optional<RevisionGraph> graph;
};

// Reads the project and checks its revision files (header and SQL syntax
// of both sections), the graph, and the conflict-detection file. Every
// problem is reported, none thrown. With a cache, a file unchanged since
// its SQL was found valid is not read again, and files found valid now
// are recorded (the caller saves the cache).
CheckReport check_project(const std::filesystem::path& root, RevisionCache* cache = nullptr);

} // namespace ecluse
