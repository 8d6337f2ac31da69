#include "script/project.hpp"

#include "script/conflict_file.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

#include <algorithm>
#include <future>

namespace ecluse {

namespace fs = std::filesystem;

fs::path branch_folder(const fs::path& root, Branch branch) {
    return root / k_migrations_folder / branch_name(branch);
}

fs::path conflict_file_path(const fs::path& root) {
    return root / k_conflict_file_name;
}

namespace {

struct Candidate {
    fs::path full_path;
    std::string shown_path; // relative to the root
    Branch branch;
};

struct Loaded {
    std::vector<RevisionFile> revisions;
    std::vector<Diagnostic> problems;
};

bool is_sql_file(const fs::directory_entry& entry) {
    return entry.path().extension() == ".sql" && !entry.is_directory();
}

std::string relative_to_root(const fs::path& path, const fs::path& root) {
    return path.lexically_relative(root).generic_string();
}

void misplaced(const fs::path& path, const fs::path& root, std::vector<Diagnostic>& problems) {
    problems.push_back({SourceLocation{relative_to_root(path, root)},
                        "a .sql file outside migrations/pre and migrations/post",
                        "a revision's branch is its folder: move it into migrations/pre or "
                        "migrations/post (subfolders are not read)",
                        true});
}

void find_misplaced(const fs::path& folder, const fs::path& root,
                    std::vector<Diagnostic>& problems) {
    for (const auto& entry : fs::recursive_directory_iterator(folder)) {
        if (is_sql_file(entry)) {
            misplaced(entry.path(), root, problems);
        }
    }
}

Loaded parse_candidates(const std::vector<Candidate>& candidates, std::size_t begin,
                        std::size_t end) {
    Loaded loaded;
    for (std::size_t i = begin; i < end; ++i) {
        const Candidate& candidate = candidates[i];
        try {
            loaded.revisions.push_back(parse_revision_file(read_file(candidate.full_path),
                                                           candidate.shown_path, candidate.branch));
        } catch (const InputError& error) {
            SourceLocation where = error.location();
            where.file = candidate.shown_path;
            loaded.problems.push_back({where, error.bare_message(), error.hint(), true});
        }
    }
    return loaded;
}

} // namespace

ProjectFiles read_project_files(const fs::path& root) {
    fs::path migrations = root / k_migrations_folder;
    std::error_code error;
    if (!fs::is_directory(migrations, error)) {
        throw InputError(SourceLocation{migrations.string()}, "no migrations folder",
                         "run `ecluse init` to create the layout, or point -C at the project root");
    }
    std::vector<Candidate> candidates;
    std::vector<Diagnostic> problems;
    for (const auto& entry : fs::directory_iterator(migrations)) {
        std::string name = entry.path().filename().string();
        auto branch = parse_branch(name);
        if (entry.is_directory() && branch) {
            std::string prefix = std::string(k_migrations_folder) + "/" + name + "/";
            for (const auto& file : fs::directory_iterator(entry.path())) {
                if (file.is_directory()) {
                    find_misplaced(file.path(), root, problems);
                } else if (is_sql_file(file)) {
                    candidates.push_back(
                        {file.path(), prefix + file.path().filename().string(), *branch});
                }
            }
        } else if (entry.is_directory() && name != k_snapshot_folder) {
            find_misplaced(entry.path(), root, problems);
        } else if (is_sql_file(entry)) {
            misplaced(entry.path(), root, problems);
        }
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return a.shown_path < b.shown_path; });

    // Reading thousands of small files is dominated by system calls: two
    // threads halve the wall time on a two-core machine.
    std::size_t middle = candidates.size() > 512 ? candidates.size() / 2 : candidates.size();
    std::future<Loaded> second_half;
    if (middle < candidates.size()) {
        second_half = std::async(std::launch::async, parse_candidates, std::cref(candidates),
                                 middle, candidates.size());
    }
    Loaded loaded = parse_candidates(candidates, 0, middle);
    Loaded rest = second_half.valid() ? second_half.get() : Loaded{};
    std::move(rest.revisions.begin(), rest.revisions.end(), std::back_inserter(loaded.revisions));
    problems.insert(problems.end(), loaded.problems.begin(), loaded.problems.end());
    problems.insert(problems.end(), rest.problems.begin(), rest.problems.end());
    return {std::move(loaded.revisions), std::move(problems)};
}

std::vector<RevisionFile> load_revision_files(const fs::path& root) {
    ProjectFiles files = read_project_files(root);
    throw_if_any("some revision files cannot be read", files.problems);
    return std::move(files.revisions);
}

} // namespace ecluse
