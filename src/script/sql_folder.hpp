#pragma once

// Reading a folder of SQL files of one kind (seeds, snapshots): every
// `.sql` file, in file-name order, each parsed by the kind's own parser;
// every malformed file is reported, all together, at its file:line.

#include "util/error.hpp"
#include "util/file.hpp"

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace ecluse {

// `parse(text, shown_path)` returns a Parsed or throws InputError. A
// missing folder holds nothing. Throws InputError naming `what` (for
// example "some seed files cannot be read") with every problem.
template <typename Parsed, typename Parse>
std::vector<Parsed> parse_sql_folder(const std::filesystem::path& root,
                                     const std::filesystem::path& folder, Parse parse,
                                     const std::string& what) {
    namespace fs = std::filesystem;
    std::error_code error;
    if (!fs::is_directory(folder, error)) {
        return {};
    }
    std::vector<fs::path> paths;
    for (const auto& entry : fs::directory_iterator(folder)) {
        if (entry.path().extension() == ".sql" && !entry.is_directory()) {
            paths.push_back(entry.path());
        }
    }
    std::sort(paths.begin(), paths.end(),
              [](const fs::path& a, const fs::path& b) { return a.filename() < b.filename(); });
    std::vector<Parsed> parsed;
    std::vector<Diagnostic> problems;
    for (const fs::path& path : paths) {
        std::string shown = path.lexically_relative(root).generic_string();
        try {
            parsed.push_back(parse(read_file(path), shown));
        } catch (const InputError& failure) {
            SourceLocation where = failure.location();
            where.file = shown;
            problems.push_back({where, failure.bare_message(), failure.hint(), true});
        }
    }
    throw_if_any(what, problems);
    return parsed;
}

} // namespace ecluse
