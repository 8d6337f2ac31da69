#include "script/seed_file.hpp"

#include "script/sql_folder.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"

#include <algorithm>

namespace ecluse {

namespace fs = std::filesystem;

namespace {

const char* k_seed_hint = "a seed file is `-- ecluse:upgrade` followed by the SQL that inserts "
                          "its rows, then `-- ecluse:downgrade` and the SQL that removes them";

// The `-- ecluse:WORD` marker of a line, or empty.
std::string_view marker_of(std::string_view line) {
    std::string_view text = trim(line);
    if (text.substr(0, 2) != "--") {
        return {};
    }
    text = trim(text.substr(2));
    if (text.substr(0, 7) != "ecluse:") {
        return {};
    }
    text = text.substr(7);
    return text.substr(0, text.find_first_of(" \t"));
}

} // namespace

SeedFile parse_seed_file(std::string_view content, const std::string& path) {
    SeedFile seed;
    seed.path = path;
    seed.name = fs::path(path).stem().string();
    if (content.substr(0, 3) == "\xEF\xBB\xBF") {
        content.remove_prefix(3);
    }
    std::vector<std::string_view> lines = split_lines(content);
    Section* current = nullptr;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        int line = static_cast<int>(i) + 1;
        std::string_view marker = marker_of(lines[i]);
        if (marker == "upgrade" || marker == "downgrade") {
            Section& section = marker == "upgrade" ? seed.upgrade : seed.downgrade;
            if (section.present) {
                throw InputError(SourceLocation{path, line},
                                 "a second `-- ecluse:" + std::string(marker) + "` marker",
                                 k_seed_hint);
            }
            if (marker == "downgrade" && !seed.upgrade.present) {
                throw InputError(SourceLocation{path, line},
                                 "`-- ecluse:downgrade` comes before `-- ecluse:upgrade`",
                                 k_seed_hint);
            }
            section.present = true;
            section.first_line = line + 1;
            current = &section;
            continue;
        }
        if (!marker.empty() && marker != "ignore") {
            throw InputError(SourceLocation{path, line},
                             "unknown marker `-- ecluse:" + std::string(marker) + "`", k_seed_hint);
        }
        if (current == nullptr) {
            std::string_view text = trim(lines[i]);
            if (!text.empty() && text.substr(0, 2) != "--") {
                throw InputError(SourceLocation{path, line},
                                 "SQL before the `-- ecluse:upgrade` marker", k_seed_hint);
            }
            continue;
        }
        current->text += std::string(lines[i]) + "\n";
    }
    if (!seed.upgrade.present) {
        throw InputError(SourceLocation{path, 1}, "no `-- ecluse:upgrade` section", k_seed_hint);
    }
    if (!seed.downgrade.present) {
        throw InputError(SourceLocation{path, static_cast<int>(lines.size())},
                         "no `-- ecluse:downgrade` section: `seed undo` would not know how to "
                         "remove its rows",
                         k_seed_hint);
    }
    std::string normalized = normalize_line_endings(seed.upgrade.text);
    while (!normalized.empty() && (normalized.back() == '\n' || normalized.back() == ' ')) {
        normalized.pop_back();
    }
    seed.checksum = sha256_hex(normalized);
    return seed;
}

std::vector<SeedFile> load_seed_files(const fs::path& root) {
    return parse_sql_folder<SeedFile>(root, root / k_seeds_folder, parse_seed_file,
                                      "some seed files cannot be read");
}

} // namespace ecluse
