#pragma once

// The offline part of `ecluse check`: everything that needs no database.

#include "graph/revision_graph.hpp"
#include "script/conflict_file.hpp"

#include <filesystem>
#include <vector>

namespace ecluse {

struct CheckReport {
    std::vector<Diagnostic> problems;
    std::size_t revisions = 0;
    ConflictFileHeads heads; // the heads on disk (one per branch when valid)
};

// Reads the project and checks its revision files (header and SQL syntax
// of both sections), the graph, and the conflict-detection file. Every
// problem is reported, none thrown.
CheckReport check_project(const std::filesystem::path& root);

} // namespace ecluse
