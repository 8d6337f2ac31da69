#pragma once

// Snapshot files (`migrations/snapshot/*.sql`): a baseline that replaces
// every revision up to both heads for a fresh database. A header of `--`
// lines names the heads it was taken at and every revision it replaces
// (with what the ledger records of each); the dump follows its marker.
//
//   -- ecluse:snapshot
//   -- pre: a1b2c3d4e5f6
//   -- post: none
//   -- created: 2026-11-22T14:30:00Z
//   -- replaces: pre a1b2c3d4e5f6 none - <sha256 of its upgrade> add booking amount
//   -- ecluse:schema
//   <pg_dump output>

#include "script/branch.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

inline constexpr std::string_view k_snapshot_marker = "-- ecluse:snapshot";
inline constexpr std::string_view k_snapshot_schema_marker = "-- ecluse:schema";

// One revision a snapshot replaces, as the ledger records it.
struct ReplacedRevision {
    Branch branch = Branch::pre;
    std::string revision;
    std::optional<std::string> down_revision;
    std::vector<std::string> depends_on;
    std::string checksum; // SHA-256 of its upgrade section
    std::string message;
};

struct SnapshotFile {
    std::string path;                     // as shown to users: relative to the project root
    std::string name;                     // the file name, recorded in the ledger
    std::optional<std::string> pre_head;  // nullopt: the branch was empty
    std::optional<std::string> post_head; // idem
    std::string created;
    std::vector<ReplacedRevision> replaces; // in the order they were applied
    std::string sql;                        // the dump, after the schema marker
    int sql_first_line = 0;                 // file line of the dump's first line

    const std::optional<std::string>& head(Branch branch) const {
        return branch == Branch::pre ? pre_head : post_head;
    }
    const ReplacedRevision* find(std::string_view revision) const;
};

// Parses a snapshot file; `path` is used in messages. Throws InputError
// naming path:line for a missing or misplaced marker, an unknown, missing or
// repeated key, an id that is not 12 lowercase hex, a checksum that is not
// 64, a head that is not among the replaced revisions of its branch.
SnapshotFile parse_snapshot_file(std::string_view content, const std::string& path);

// The file's text; parse_snapshot_file gives the same values back.
std::string render_snapshot_file(const SnapshotFile& snapshot);

// "<compact UTC timestamp>_<pre head|none>_<post head|none>.sql"
std::string snapshot_file_name(std::string_view compact_timestamp,
                               const std::optional<std::string>& pre_head,
                               const std::optional<std::string>& post_head);

std::filesystem::path snapshot_folder(const std::filesystem::path& root);

// Every snapshot of the project, oldest first (file names start with their
// timestamp). Throws InputError listing every file that does not parse.
std::vector<SnapshotFile> load_snapshot_files(const std::filesystem::path& root);

} // namespace ecluse
