#include "script/project.hpp"

#include "script/conflict_file.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/parallel.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
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

using Directory = std::unique_ptr<DIR, int (*)(DIR*)>;

struct Candidate {
    std::string path; // relative to the root: "migrations/pre/<name>"
    std::size_t name_at = 0;
    int folder_fd = -1; // the branch folder's, open while the files are read
    Branch branch;
};

// Whether a branch folder's entry is a folder (following symbolic links).
bool is_folder(const dirent& entry, int folder_fd) {
    if (entry.d_type != DT_LNK && entry.d_type != DT_UNKNOWN) {
        return entry.d_type == DT_DIR;
    }
    struct stat info {};
    return ::fstatat(folder_fd, entry.d_name, &info, 0) == 0 && S_ISDIR(info.st_mode);
}

// The `.sql` files of a branch folder; subfolders are searched for
// misplaced files. The folder stays open in `folders`.
void list_branch(const fs::path& root, Branch branch, std::vector<Directory>& folders,
                 std::vector<Candidate>& candidates, std::vector<Diagnostic>& problems) {
    std::string prefix =
        std::string(k_migrations_folder) + "/" + std::string(branch_name(branch)) + "/";
    fs::path folder = root / prefix;
    Directory& directory = folders.emplace_back(::opendir(folder.c_str()), ::closedir);
    if (!directory) {
        throw InputError(SourceLocation{prefix},
                         std::string("cannot read the folder: ") + std::strerror(errno));
    }
    int fd = ::dirfd(directory.get());
    while (const dirent* entry = ::readdir(directory.get())) {
        std::string_view name = entry->d_name;
        if (name == "." || name == "..") {
            continue;
        }
        if (is_folder(*entry, fd)) {
            find_misplaced(folder / entry->d_name, root, problems);
        } else if (name.size() > 4 && name.ends_with(".sql")) {
            candidates.push_back({prefix + std::string(name), prefix.size(), fd, branch});
        }
    }
}

// The revision files of the branch folders, in path order, and the `.sql`
// files found where no revision belongs.
std::vector<Candidate> list_candidates(const fs::path& root, std::vector<Directory>& folders,
                                       std::vector<Diagnostic>& problems) {
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
            list_branch(root, *branch, folders, candidates, problems);
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
    // Shared with the graph, which holds them without a copy; never changed
    // after the constructor.
    std::shared_ptr<std::vector<RevisionFile>> headers =
        std::make_shared<std::vector<RevisionFile>>();
    std::vector<Diagnostic> problems;
    std::size_t files_read = 0;
    // By index in headers: what the cache keeps besides the header, and the
    // full revision once read.
    struct Learnt {
        FileStamp stamp;
        std::string content_hash;
        bool sql_checked = false;
        std::string lint_facts;
    };
    std::vector<Learnt> learnt;
    mutable std::vector<std::unique_ptr<RevisionFile>> full;
    // Whether the cache must be written: a file read from disk, or
    // something learnt or forgotten since it was loaded.
    bool changed = false;

    std::size_t index_of(const std::string& path) const {
        auto it = std::lower_bound(
            headers->begin(), headers->end(), path,
            [](const RevisionFile& revision, const std::string& p) { return revision.path < p; });
        if (it == headers->end() || it->path != path) {
            throw std::logic_error("not a revision file of the project: " + path);
        }
        return static_cast<std::size_t>(it - headers->begin());
    }
};

Project::Project(fs::path root, RevisionCache cache)
    : Project(std::move(root), [&cache] { return std::move(cache); }) {}

Project::Project(fs::path root, const std::function<RevisionCache()>& open_cache)
    : m_state(std::make_unique<State>()) {
    State& state = *m_state;
    state.root = std::move(root);
    std::vector<Directory> folders;
    std::vector<Candidate> candidates;
    both([&] { state.cache = open_cache(); },
         [&] { candidates = list_candidates(state.root, folders, state.problems); });

    // Each file: its stamp, then its header from the cache or from the
    // file itself, in place: 20,000 headers are megabytes, not copied
    // again. With thousands of files this is mostly system calls, which
    // two threads halve (for_halves).
    std::size_t count = candidates.size();
    std::vector<RevisionFile> headers(count);
    state.learnt.resize(count);
    state.full.resize(count);
    std::vector<std::unique_ptr<Diagnostic>> problems(count);
    std::vector<char> read(count, 0); // from disk, whether it parsed or not
    auto examine = [&](std::size_t i) {
        const Candidate& candidate = candidates[i];
        struct stat info {};
        const char* name = candidate.path.c_str() + candidate.name_at;
        if (::fstatat(candidate.folder_fd, name, &info, 0) != 0) {
            problems[i] = std::make_unique<Diagnostic>(
                Diagnostic{SourceLocation{candidate.path},
                           std::string("cannot read the file: ") + std::strerror(errno), "", true});
            return;
        }
        FileStamp stamp = stamp_of(info);
        if (auto hit = state.cache.get(candidate.path, stamp)) {
            headers[i] = std::move(hit->header);
            state.learnt[i] = {stamp, std::move(hit->content_hash), hit->sql_checked,
                               std::move(hit->lint_facts)};
            return;
        }
        try {
            std::string content = read_file(state.root / candidate.path);
            read[i] = 1;
            RevisionFile revision = parse_revision_file(content, candidate.path, candidate.branch);
            RevisionFile& header = headers[i] = revision;
            header.upgrade.text.clear();
            header.downgrade.text.clear();
            header.sections_loaded = false;
            State::Learnt& learnt = state.learnt[i] = {stamp, sha256_hex(content), false, {}};
            // A file touched since, its content unchanged: what was learnt holds.
            if (auto before = state.cache.get(candidate.path);
                before && before->content_hash == learnt.content_hash) {
                learnt.sql_checked = before->sql_checked;
                learnt.lint_facts = std::move(before->lint_facts);
            }
            state.full[i] = std::make_unique<RevisionFile>(std::move(revision));
        } catch (const InputError& error) {
            SourceLocation where = error.location();
            where.file = candidate.path;
            problems[i] = std::make_unique<Diagnostic>(
                Diagnostic{where, error.bare_message(), error.hint(), true});
        }
    };
    for_halves(count, 1024, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            examine(i);
        }
    });
    // The files that read, in order; the others become problems.
    std::size_t kept = 0;
    for (std::size_t i = 0; i < count; ++i) {
        state.files_read += read[i] != 0 ? 1 : 0;
        if (problems[i]) {
            state.problems.push_back(std::move(*problems[i]));
            state.changed = true;
            continue;
        }
        state.changed = state.changed || state.full[i] != nullptr;
        if (kept != i) {
            headers[kept] = std::move(headers[i]);
            state.learnt[kept] = std::move(state.learnt[i]);
            state.full[kept] = std::move(state.full[i]);
        }
        headers[kept].path = std::move(candidates[i].path);
        headers[kept].branch = candidates[i].branch;
        ++kept;
    }
    headers.resize(kept);
    state.learnt.resize(kept);
    state.full.resize(kept);
    state.headers = std::make_shared<std::vector<RevisionFile>>(std::move(headers));
    // A file gone since the cache was written leaves it.
    state.changed = state.changed || state.headers->size() != state.cache.loaded_size();
}

Project Project::open(const Settings& settings) {
    return Project(settings.root, [&settings] { return open_revision_cache(settings); });
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
        state.learnt.push_back({});
        state.headers->push_back(std::move(header));
        state.full.push_back(std::make_unique<RevisionFile>(std::move(revision)));
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
    return *m_state->headers;
}

std::shared_ptr<const std::vector<RevisionFile>> Project::shared_headers() const {
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
        if (header_fields(full) != header_fields((*state.headers)[i])) {
            throw CheckFailed(header.path + ": the file changed while ecluse was reading it "
                                            "(its header is no longer the one read first)",
                              "run the command again");
        }
        state.full[i] = std::make_unique<RevisionFile>(std::move(full));
    }
    return *state.full[i];
}

bool Project::sql_checked(const std::string& path) const {
    return m_state->learnt[m_state->index_of(path)].sql_checked;
}

void Project::mark_sql_checked(const std::string& path) {
    bool& checked = m_state->learnt[m_state->index_of(path)].sql_checked;
    m_state->changed = m_state->changed || !checked;
    checked = true;
}

std::optional<std::string> Project::lint_facts(const std::string& path) const {
    const std::string& facts = m_state->learnt[m_state->index_of(path)].lint_facts;
    return facts.empty() ? std::nullopt : std::optional<std::string>(facts);
}

void Project::set_lint_facts(const std::string& path, std::string facts) {
    std::string& kept = m_state->learnt[m_state->index_of(path)].lint_facts;
    m_state->changed = m_state->changed || kept != facts;
    kept = std::move(facts);
}

void Project::save_cache() const {
    State& state = *m_state;
    if (!state.cache.enabled() || !state.changed) {
        return;
    }
    const std::vector<RevisionFile>& headers = *state.headers;
    for (std::size_t i = 0; i < headers.size(); ++i) {
        const State::Learnt& learnt = state.learnt[i];
        state.cache.put(headers[i].path, {learnt.stamp, learnt.content_hash, headers[i],
                                          learnt.sql_checked, learnt.lint_facts});
    }
    state.cache.save();
    state.changed = false;
}

} // namespace ecluse
