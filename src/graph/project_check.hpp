#pragma once

// The offline part of `ecluse check`: everything that needs no database.

#include "graph/revision_graph.hpp"
#include "script/conflict_file.hpp"
#include "script/project.hpp"

#include <filesystem>
#include <optional>
#include <vector>

namespace ecluse {

struct CheckReport {
    std::vector<Diagnostic> problems;
    std::size_t revisions = 0;
    ConflictFileHeads heads; // the heads on disk (one per branch when valid)
    // The graph of the revision files that parse, for the checks after.
    std::optional<RevisionGraph> graph;
};

// Checks the project's revision files (header and SQL syntax of both
// sections), the graph, and the conflict-detection file. Every problem is
// reported, none thrown. A file whose content the project's cache found
// valid before is not split again; the files found valid now are marked
// (the caller saves the cache).
CheckReport check_project(Project& project);

} // namespace ecluse
