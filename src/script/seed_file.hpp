#pragma once

// Seeders (`seeds/*.sql`): test and demo data, never run by upgrade or
// deploy. A seed file has the sections of a revision file, with no header:
//
//   -- any comments
//   -- ecluse:upgrade
//   INSERT INTO ...;
//   -- ecluse:downgrade
//   DELETE FROM ...;

#include "script/revision_file.hpp"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

inline constexpr std::string_view k_seeds_folder = "seeds";

struct SeedFile {
    std::string name; // the file name without .sql: what `seed run NAME` takes
    std::string path; // relative to the project root
    Section upgrade;
    Section downgrade;
    std::string checksum; // SHA-256 of the upgrade section, line endings normalised
};

// Parses a seed file. Throws InputError naming path:line for SQL before the
// upgrade marker, a missing upgrade or downgrade marker, a repeated or
// unknown `-- ecluse:` marker.
SeedFile parse_seed_file(std::string_view content, const std::string& path);

// Every seed of the project, sorted by name (none without a seeds folder).
// Throws InputError listing every file that does not parse.
std::vector<SeedFile> load_seed_files(const std::filesystem::path& root);

} // namespace ecluse
