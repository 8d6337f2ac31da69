#pragma once

// alembic_version_conflict_detection.txt: both heads in the format that
// `alembic heads` prints, pre first, each line ending with "\n":
//
//     a1b2c3d4e5f6 (pre) (head)
//     0c9d8e7f6a5b (post) (head)
//
// A branch without revisions has no line.

#include "script/branch.hpp"
#include "util/error.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

inline constexpr std::string_view k_conflict_file_name = "alembic_version_conflict_detection.txt";

// The head of each branch, as the conflict file records them.
using ConflictFileHeads = BranchRevisions;

std::string render_conflict_file(const ConflictFileHeads& heads);

// The heads the file records, or the problems that keep it from recording
// any: git conflict markers, a malformed or blank line, a branch named
// twice, lines out of order, a missing final line ending. Each problem names
// `path:line`. CR LF line endings are read as LF: a byte-for-byte
// comparison with render_conflict_file is what tells them apart.
struct ConflictFileReading {
    ConflictFileHeads heads;
    std::vector<Diagnostic> problems;
    bool has_conflict_markers = false;
};
ConflictFileReading parse_conflict_file(std::string_view content, const std::string& path);

} // namespace ecluse
