#include "script/project.hpp"

#include "script/conflict_file.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <tuple>

namespace ecluse {

namespace fs = std::filesystem;

fs::path branch_folder(const fs::path& root, Branch branch) {
    return root / k_migrations_folder / branch_name(branch);
}

fs::path conflict_file_path(const fs::path& root) {
    return root / k_conflict_file_name;
}

namespace {

FileStamp stamp_of(const struct stat& info) {
    return {static_cast<std::uint64_t>(info.st_size),
            static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
            static_cast<std::int64_t>(info.st_ctim.tv_sec) * 1'000'000'000 + info.st_ctim.tv_nsec,
            static_cast<std::uint64_t>(info.st_ino), static_cast<std::uint64_t>(info.st_dev)};
}

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

struct Candidate {
    std::string path; // relative to the root: "migrations/pre/<name>"
    Branch branch;
};

// The revision files of the branch folders, in path order, and the `.sql`
// files found where no revision belongs.
std::vector<Candidate> list_candidates(const fs::path& root, std::vector<Diagnostic>& problems) {
    fs::path migrations = root / k_migrations_folder;
    std::error_code error;
    if (!fs::is_directory(migrations, error)) {
        throw InputError(SourceLocation{migrations.string()}, "no migrations folder",
                         "run `ecluse init` to create the layout, or point -C at the project root");
    }
    std::vector<Candidate> candidates;
    for (const auto& folder : fs::directory_iterator(migrations)) {
        std::string name = folder.path().filename().string();
        auto branch = parse_branch(name);
        if (folder.is_directory() && branch) {
            for (const auto& entry : fs::directory_iterator(folder.path())) {
                if (entry.is_directory()) {
                    find_misplaced(entry.path(), root, problems);
                } else if (entry.path().extension() == ".sql") {
                    candidates.push_back({relative_to_root(entry.path(), root), *branch});
                }
            }
        } else if (folder.is_directory() && name != k_snapshot_folder) {
            find_misplaced(folder.path(), root, problems);
        } else if (is_sql_file(folder)) {
            misplaced(folder.path(), root, problems);
        }
    }
    std::sort(candidates.begin(), candidates.end(),
              [](const Candidate& a, const Candidate& b) { return a.path < b.path; });
    return candidates;
}

auto header_fields(const RevisionFile& r) {
    return std::tie(r.revision, r.down_revision, r.depends_on, r.message, r.created, r.transaction,
                    r.lock_timeout, r.statement_timeout);
}

} // namespace

struct Project::State {
    fs::path root;
    RevisionCache cache;
    std::vector<RevisionFile> headers;
    std::vector<Diagnostic> problems;
    std::size_t files_read = 0;
    // By index in headers: what the cache keeps, and the full revision once read.
    std::vector<CachedFile> cached;
    mutable std::vector<std::optional<RevisionFile>> full;

    std::size_t index_of(const std::string& path) const {
        auto it = std::lower_bound(
            headers.begin(), headers.end(), path,
            [](const RevisionFile& revision, const std::string& p) { return revision.path < p; });
        if (it == headers.end() || it->path != path) {
            throw std::logic_error("not a revision file of the project: " + path);
        }
        return static_cast<std::size_t>(it - headers.begin());
    }
};

Project::Project(fs::path root, RevisionCache cache) : m_state(std::make_unique<State>()) {
    State& state = *m_state;
    state.root = std::move(root);
    state.cache = std::move(cache);
    for (Candidate& candidate : list_candidates(state.root, state.problems)) {
        fs::path file = state.root / candidate.path;
        struct stat info {};
        if (::stat(file.c_str(), &info) != 0) {
            state.problems.push_back({SourceLocation{candidate.path},
                                      std::string("cannot read the file: ") + std::strerror(errno),
                                      "", true});
            continue;
        }
        FileStamp stamp = stamp_of(info);
        if (const CachedFile* hit = state.cache.get(candidate.path, stamp)) {
            RevisionFile& header = state.headers.emplace_back(hit->header);
            header.path = std::move(candidate.path);
            header.branch = candidate.branch;
            state.cached.push_back(*hit);
            state.full.emplace_back();
            continue;
        }
        try {
            std::string content = read_file(file);
            ++state.files_read;
            RevisionFile revision = parse_revision_file(content, candidate.path, candidate.branch);
            RevisionFile header = revision;
            header.upgrade.text.clear();
            header.downgrade.text.clear();
            header.sections_loaded = false;
            CachedFile learnt{stamp, sha256_hex(content), header, false, {}};
            // A file touched since, its content unchanged: what was learnt holds.
            if (const CachedFile* before = state.cache.get(candidate.path);
                before != nullptr && before->content_hash == learnt.content_hash) {
                learnt.sql_checked = before->sql_checked;
                learnt.lint_facts = before->lint_facts;
            }
            state.cached.push_back(std::move(learnt));
            state.headers.push_back(std::move(header));
            state.full.emplace_back(std::move(revision));
        } catch (const InputError& error) {
            SourceLocation where = error.location();
            where.file = candidate.path;
            state.problems.push_back({where, error.bare_message(), error.hint(), true});
        }
    }
}

Project Project::open(const Settings& settings) {
    return Project(settings.root, open_revision_cache(settings));
}

Project Project::from_revisions(std::vector<RevisionFile> revisions) {
    Project project(nullptr);
    State& state = *project.m_state;
    std::stable_sort(revisions.begin(), revisions.end(),
                     [](const RevisionFile& a, const RevisionFile& b) { return a.path < b.path; });
    for (RevisionFile& revision : revisions) {
        RevisionFile header = revision;
        header.upgrade.text.clear();
        header.downgrade.text.clear();
        header.sections_loaded = false;
        state.cached.push_back({{}, {}, header, false, {}});
        state.headers.push_back(std::move(header));
        state.full.emplace_back(std::move(revision));
    }
    return project;
}

Project::Project(std::nullptr_t) : m_state(std::make_unique<State>()) {}

Project::Project(Project&&) noexcept = default;
Project& Project::operator=(Project&&) noexcept = default;
Project::~Project() = default;

const fs::path& Project::root() const {
    return m_state->root;
}

const std::vector<Diagnostic>& Project::problems() const {
    return m_state->problems;
}

void Project::throw_problems() const {
    throw_if_any("some revision files cannot be read", m_state->problems);
}

const std::vector<RevisionFile>& Project::headers() const {
    return m_state->headers;
}

std::size_t Project::files_read() const {
    return m_state->files_read;
}

const RevisionFile& Project::sql(const RevisionFile& header) const {
    const State& state = *m_state;
    std::size_t i = state.index_of(header.path);
    if (!state.full[i]) {
        RevisionFile full =
            parse_revision_file(read_file(state.root / header.path), header.path, header.branch);
        if (header_fields(full) != header_fields(state.headers[i])) {
            throw CheckFailed(header.path + ": the file changed while ecluse was reading it "
                                            "(its header is no longer the one read first)",
                              "run the command again");
        }
        state.full[i] = std::move(full);
    }
    return *state.full[i];
}

bool Project::sql_checked(const std::string& path) const {
    return m_state->cached[m_state->index_of(path)].sql_checked;
}

void Project::mark_sql_checked(const std::string& path) {
    m_state->cached[m_state->index_of(path)].sql_checked = true;
}

std::optional<std::string> Project::lint_facts(const std::string& path) const {
    const std::string& facts = m_state->cached[m_state->index_of(path)].lint_facts;
    return facts.empty() ? std::nullopt : std::optional<std::string>(facts);
}

void Project::set_lint_facts(const std::string& path, std::string facts) {
    m_state->cached[m_state->index_of(path)].lint_facts = std::move(facts);
}

void Project::save_cache() const {
    State& state = *m_state;
    if (!state.cache.enabled()) {
        return;
    }
    for (std::size_t i = 0; i < state.headers.size(); ++i) {
        state.cache.put(state.headers[i].path, state.cached[i]);
    }
    state.cache.save();
}

} // namespace ecluse
