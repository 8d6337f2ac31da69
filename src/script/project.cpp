#include "script/project.hpp"

#include "script/conflict_file.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <future>
#include <iterator>
#include <memory>
#include <thread>
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

using Sections = ProjectReadOptions::Sections;

// An open directory; its descriptor is what files are opened relative to.
class Directory {
public:
    explicit Directory(const fs::path& path) : m_dir(::opendir(path.c_str())) {
        if (m_dir == nullptr) {
            throw InputError(SourceLocation{path.string()},
                             std::string("cannot read the folder: ") + std::strerror(errno));
        }
    }
    ~Directory() { ::closedir(m_dir); }
    Directory(const Directory&) = delete;
    Directory& operator=(const Directory&) = delete;

    // The next entry other than "." and ".."; nullptr at the end.
    const dirent* next() {
        while (const dirent* entry = ::readdir(m_dir)) {
            std::string_view name = entry->d_name;
            if (name != "." && name != "..") {
                return entry;
            }
        }
        return nullptr;
    }
    int fd() const { return ::dirfd(m_dir); }

private:
    DIR* m_dir;
};

struct Candidate {
    std::string shown_path; // relative to the root: "migrations/pre/<name>"
    std::size_t name_at;    // where the file name starts in shown_path
    int folder_fd;
    Branch branch;
};

// What reading one candidate from disk gave, besides its revision; a
// candidate found in the cache has none (most of them, on a warm cache).
struct Outcome {
    std::optional<Diagnostic> problem; // then the revision is not valid
    bool read = false;                 // false: it failed before its file was opened
    FileStamp stamp;                   // when read, for the cache
    std::string content_hash;          // idem
};
using Outcomes = std::vector<std::unique_ptr<Outcome>>;

bool is_sql_name(std::string_view name) {
    return name.size() > 4 && name.substr(name.size() - 4) == ".sql";
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

FileStamp stamp_of(const struct stat& info) {
    return {static_cast<std::uint64_t>(info.st_size),
            static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
            static_cast<std::int64_t>(info.st_ctim.tv_sec) * 1'000'000'000 + info.st_ctim.tv_nsec,
            static_cast<std::uint64_t>(info.st_ino), static_cast<std::uint64_t>(info.st_dev)};
}

// Whether a branch folder's entry is a directory (following symbolic links).
bool is_directory_entry(const dirent& entry, int folder_fd) {
    if (entry.d_type == DT_DIR) {
        return true;
    }
    if (entry.d_type != DT_LNK && entry.d_type != DT_UNKNOWN) {
        return false;
    }
    struct stat info {};
    return ::fstatat(folder_fd, entry.d_name, &info, 0) == 0 && S_ISDIR(info.st_mode);
}

// A branch folder's candidates, sorted by name (so by path: they share
// the folder), and the problems found while listing it.
struct BranchListing {
    std::vector<Candidate> candidates;
    std::vector<Diagnostic> problems;
};

void sort_by_name(std::vector<Candidate>& candidates) {
    auto name = [&](std::size_t i) {
        return std::string_view(candidates[i].shown_path).substr(candidates[i].name_at);
    };
    std::vector<Candidate> sorted;
    sorted.reserve(candidates.size());
    for (std::uint32_t i :
         sorted_by_text(candidates.size(), name, [](auto, auto) { return false; })) {
        sorted.push_back(std::move(candidates[i]));
    }
    candidates = std::move(sorted);
}

void list_branch(Directory& folder, const fs::path& path, const std::string& prefix, Branch branch,
                 const fs::path& root, BranchListing& listing) {
    while (const dirent* entry = folder.next()) {
        std::string_view name = entry->d_name;
        if (is_directory_entry(*entry, folder.fd())) {
            find_misplaced(path / entry->d_name, root, listing.problems);
        } else if (is_sql_name(name)) {
            std::string shown_path;
            shown_path.reserve(prefix.size() + name.size());
            shown_path.append(prefix).append(name);
            listing.candidates.push_back(
                {std::move(shown_path), prefix.size(), folder.fd(), branch});
        }
    }
    sort_by_name(listing.candidates);
}

// Reads a whole file into `buffer`, which keeps its size from file to file
// (no clearing, no shrinking); the file's length, or nullopt with errno set.
std::optional<std::size_t> read_into(int fd, std::vector<char>& buffer, std::size_t size_hint) {
    if (buffer.size() <= size_hint) {
        buffer.resize(std::max<std::size_t>(size_hint + 1, buffer.size() * 2));
    }
    std::size_t filled = 0;
    while (true) {
        ssize_t got = ::read(fd, buffer.data() + filled, buffer.size() - filled);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return std::nullopt;
        }
        filled += static_cast<std::size_t>(got);
        if (filled < buffer.size()) {
            return filled; // a short read of a regular file is its end
        }
        buffer.resize(buffer.size() * 2);
    }
}

Diagnostic io_problem(const Candidate& candidate, const char* doing, int error) {
    return {SourceLocation{candidate.shown_path},
            std::string("cannot ") + doing + ": " + std::strerror(error), "", true};
}

// Reads candidates [begin, end): from the cache when their stamp matches,
// otherwise from disk, with one buffer for every file. A revision found in
// the cache gets its path last, from its candidate.
void read_candidates(std::vector<Candidate>& candidates, std::size_t begin, std::size_t end,
                     const ProjectReadOptions& options, Outcomes& outcomes,
                     std::vector<RevisionFile>& revisions) {
    const RevisionCache* cache =
        options.sections != Sections::all && options.cache != nullptr && options.cache->enabled()
            ? options.cache
            : nullptr;
    std::vector<char> buffer;
    std::size_t cursor = 0; // the candidates are in path order, as the cache's entries
    for (std::size_t i = begin; i < end; ++i) {
        Candidate& candidate = candidates[i];
        const char* name = candidate.shown_path.c_str() + candidate.name_at;
        struct stat info {};
        if (cache != nullptr) {
            if (::fstatat(candidate.folder_fd, name, &info, 0) != 0) {
                outcomes[i] = std::make_unique<Outcome>();
                outcomes[i]->problem = io_problem(candidate, "open the file", errno);
                continue;
            }
            bool sql_checked = false;
            if (cache->lookup_into(candidate.shown_path, candidate.branch, stamp_of(info),
                                   revisions[i], sql_checked, &cursor)) {
                if (sql_checked || options.sections == Sections::none) {
                    revisions[i].path = std::move(candidate.shown_path);
                    continue;
                }
                revisions[i] = RevisionFile();
            }
        }
        outcomes[i] = std::make_unique<Outcome>();
        Outcome& outcome = *outcomes[i];
        outcome.read = true;
        if (buffer.empty()) {
            buffer.resize(64 * 1024);
        }
        int fd = ::openat(candidate.folder_fd, name, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            outcome.problem = io_problem(candidate, "open the file", errno);
            continue;
        }
        bool stamped = cache == nullptr || ::fstat(fd, &info) == 0;
        auto size =
            stamped ? read_into(fd, buffer, static_cast<std::size_t>(info.st_size)) : std::nullopt;
        int error = errno;
        ::close(fd);
        if (!size) {
            outcome.problem = io_problem(candidate, "read the file", error);
            continue;
        }
        std::string_view content(buffer.data(), *size);
        try {
            revisions[i] = parse_revision_file(
                content, candidate.shown_path, candidate.branch,
                options.sections == Sections::none ? SectionText::skip : SectionText::load);
            if (cache != nullptr) {
                outcome.stamp = stamp_of(info);
                outcome.content_hash = sha256_hex(content);
            }
        } catch (const InputError& error) {
            SourceLocation where = error.location();
            where.file = candidate.shown_path;
            outcome.problem = Diagnostic{where, error.bare_message(), error.hint(), true};
        }
    }
}

} // namespace

ProjectFiles read_project_files(const fs::path& root, const ProjectReadOptions& options) {
    fs::path migrations = root / k_migrations_folder;
    std::error_code error;
    if (!fs::is_directory(migrations, error)) {
        throw InputError(SourceLocation{migrations.string()}, "no migrations folder",
                         "run `ecluse init` to create the layout, or point -C at the project root");
    }
    RevisionCache* cache = options.sections != Sections::all ? options.cache : nullptr;
    struct BranchFolder {
        std::string name;
        Branch branch;
        std::unique_ptr<Directory> directory; // open until every file is read
        BranchListing listing;
    };
    std::vector<BranchFolder> branches;
    std::vector<Diagnostic> problems;
    for (const auto& entry : fs::directory_iterator(migrations)) {
        std::string name = entry.path().filename().string();
        auto branch = parse_branch(name);
        if (entry.is_directory() && branch) {
            branches.push_back({name, *branch, std::make_unique<Directory>(entry.path()), {}});
        } else if (entry.is_directory() && name != k_snapshot_folder) {
            find_misplaced(entry.path(), root, problems);
        } else if (is_sql_file(entry)) {
            misplaced(entry.path(), root, problems);
        }
    }
    // In path order: the branch folders by name, then each one's files.
    std::sort(branches.begin(), branches.end(),
              [](const BranchFolder& a, const BranchFolder& b) { return a.name < b.name; });
    auto list = [&](BranchFolder& folder) {
        list_branch(*folder.directory, migrations / folder.name,
                    std::string(k_migrations_folder) + "/" + folder.name + "/", folder.branch, root,
                    folder.listing);
    };
    // The branches are listed and sorted side by side, while this thread
    // loads the cache: with thousands of files, listing a folder is mostly
    // the kernel's time.
    {
        std::vector<std::future<void>> listers; // get() rethrows a lister's error
        for (std::size_t b = cache != nullptr ? 0 : 1; b < branches.size(); ++b) {
            listers.push_back(std::async(std::launch::async, list, std::ref(branches[b])));
        }
        if (cache != nullptr) {
            cache->begin_scan();
        } else if (!branches.empty()) {
            list(branches.front());
        }
        for (auto& lister : listers) {
            lister.get();
        }
    }
    std::vector<Candidate> candidates;
    std::size_t total = 0;
    for (const BranchFolder& folder : branches) {
        total += folder.listing.candidates.size();
    }
    candidates.reserve(total);
    for (BranchFolder& folder : branches) {
        std::move(folder.listing.candidates.begin(), folder.listing.candidates.end(),
                  std::back_inserter(candidates));
        std::move(folder.listing.problems.begin(), folder.listing.problems.end(),
                  std::back_inserter(problems));
    }

    // Thousands of small files cost mostly system calls, each a few
    // microseconds in a VM: the threads split them.
    Outcomes outcomes(candidates.size());
    std::vector<RevisionFile> revisions(candidates.size());
    std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4);
    threads = std::min(threads, std::max<std::size_t>(candidates.size() / 256, 1));
    std::vector<std::thread> workers;
    std::size_t share = (candidates.size() + threads - 1) / threads;
    for (std::size_t t = 1; t < threads; ++t) {
        std::size_t begin = std::min(t * share, candidates.size());
        std::size_t end = std::min(begin + share, candidates.size());
        workers.emplace_back(read_candidates, std::ref(candidates), begin, end, std::cref(options),
                             std::ref(outcomes), std::ref(revisions));
    }
    read_candidates(candidates, 0, std::min(share, candidates.size()), options, outcomes,
                    revisions);
    for (auto& worker : workers) {
        worker.join();
    }

    // The revisions stay where they were read; only a problem moves the
    // ones after it down.
    ProjectFiles files;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < outcomes.size(); ++i) {
        Outcome* outcome = outcomes[i].get();
        files.files_read += outcome != nullptr && outcome->read ? 1 : 0;
        if (outcome != nullptr && outcome->problem) {
            problems.push_back(std::move(*outcome->problem));
            continue;
        }
        if (cache != nullptr) {
            if (outcome != nullptr) {
                cache->store(revisions[i].path, outcome->stamp, std::move(outcome->content_hash),
                             revisions[i]);
            } else {
                cache->keep(revisions[i].path);
            }
        }
        if (kept != i) {
            revisions[kept] = std::move(revisions[i]);
        }
        ++kept;
    }
    revisions.resize(kept);
    files.revisions = std::move(revisions);
    files.problems = std::move(problems);
    return files;
}

std::vector<RevisionFile> load_revision_files(const fs::path& root,
                                              const ProjectReadOptions& options) {
    ProjectFiles files = read_project_files(root, options);
    throw_if_any("some revision files cannot be read", files.problems);
    return std::move(files.revisions);
}

RevisionFile read_sections(const fs::path& root, const RevisionFile& revision) {
    RevisionFile full =
        parse_revision_file(read_file(root / revision.path), revision.path, revision.branch);
    auto header = [](const RevisionFile& r) {
        return std::tie(r.revision, r.down_revision, r.depends_on, r.message, r.created,
                        r.transaction, r.lock_timeout, r.statement_timeout);
    };
    if (header(full) != header(revision)) {
        throw CheckFailed(revision.path + ": the file changed while ecluse was reading it "
                                          "(its header is no longer the one read first)",
                          "run the command again");
    }
    return full;
}

} // namespace ecluse
