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
#include <deque>
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

FileStamp stamp_of(const struct stat& info) {
    return {static_cast<std::uint64_t>(info.st_size),
            static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
            static_cast<std::int64_t>(info.st_ctim.tv_sec) * 1'000'000'000 + info.st_ctim.tv_nsec,
            static_cast<std::uint64_t>(info.st_ino), static_cast<std::uint64_t>(info.st_dev)};
}

// An open directory; its descriptor is what files are opened relative to.
// Its stamp is taken when it is opened, before any entry is read.
class Directory {
public:
    explicit Directory(const fs::path& path) : m_dir(::opendir(path.c_str())) {
        struct stat info {};
        if (m_dir == nullptr || ::fstat(::dirfd(m_dir), &info) != 0) {
            int error = errno;
            if (m_dir != nullptr) {
                ::closedir(m_dir);
            }
            throw InputError(SourceLocation{path.string()},
                             std::string("cannot read the folder: ") + std::strerror(error));
        }
        m_stamp = stamp_of(info);
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
    const FileStamp& stamp() const { return m_stamp; }

private:
    DIR* m_dir;
    FileStamp m_stamp;
};

struct Candidate {
    // Relative to the root: "migrations/pre/<name>"; into the listing's
    // storage, or into the cache when the listing came from it.
    std::string_view shown_path;
    std::size_t name_at; // where the file name starts in shown_path
    int folder_fd;
    Branch branch;
    bool listed_by_cache = false;
};

// What reading one candidate from disk gave, besides its revision; a
// candidate found in the cache has none (most of them, on a warm cache).
struct Outcome {
    std::optional<Diagnostic> problem;     // then the revision is not valid
    bool read = false;                     // false: it failed before its file was opened
    FileStamp stamp;                       // when read, for the cache
    std::string content_hash;              // idem
    bool gone_from_cached_listing = false; // missing, though the cache listed it
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
    std::deque<std::string> paths; // the candidates' paths, when listed from disk
    std::vector<Candidate> candidates;
    std::vector<Diagnostic> problems;
    // No subfolder and no symbolic link: the revision cache may record it.
    bool plain = true;
    bool from_cache = false; // the cache's listing, not the folder's
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
        listing.plain = listing.plain && entry->d_type != DT_DIR && entry->d_type != DT_LNK &&
                        entry->d_type != DT_UNKNOWN;
        if (is_directory_entry(*entry, folder.fd())) {
            find_misplaced(path / entry->d_name, root, listing.problems);
        } else if (is_sql_name(name)) {
            std::string& shown_path = listing.paths.emplace_back();
            shown_path.reserve(prefix.size() + name.size());
            shown_path.append(prefix).append(name);
            listing.candidates.push_back({shown_path, prefix.size(), folder.fd(), branch});
        }
    }
    sort_by_name(listing.candidates);
}

// The cache the read consults and updates: none when every section is
// read, or when caching is off.
RevisionCache* cache_in_use(const ProjectReadOptions& options) {
    return options.sections != Sections::all && options.cache != nullptr && options.cache->enabled()
               ? options.cache
               : nullptr;
}

Diagnostic io_problem(const Candidate& candidate, const char* doing, int error) {
    return {SourceLocation{std::string(candidate.shown_path)},
            std::string("cannot ") + doing + ": " + std::strerror(error), "", true};
}

// Reads candidates [begin, end): from the cache when their stamp matches,
// otherwise from disk, with one buffer for every file. A revision found in
// the cache gets its path last, from its candidate.
void read_candidates(const std::vector<Candidate>& candidates, std::size_t begin, std::size_t end,
                     const ProjectReadOptions& options, Outcomes& outcomes,
                     std::vector<RevisionFile>& revisions) {
    const RevisionCache* cache = cache_in_use(options);
    std::vector<char> buffer;
    std::string name;       // the file name, NUL-terminated for the system calls
    std::size_t cursor = 0; // the candidates are in path order, as the cache's entries
    for (std::size_t i = begin; i < end; ++i) {
        const Candidate& candidate = candidates[i];
        name.assign(candidate.shown_path.substr(candidate.name_at));
        struct stat info {};
        if (cache != nullptr) {
            if (::fstatat(candidate.folder_fd, name.c_str(), &info, 0) != 0) {
                int error = errno;
                outcomes[i] = std::make_unique<Outcome>();
                outcomes[i]->problem = io_problem(candidate, "open the file", error);
                outcomes[i]->gone_from_cached_listing =
                    candidate.listed_by_cache && error == ENOENT;
                continue;
            }
            bool sql_checked = false;
            if (cache->lookup_into(candidate.shown_path, candidate.branch, stamp_of(info),
                                   revisions[i], sql_checked, &cursor)) {
                if (sql_checked || options.sections == Sections::none) {
                    revisions[i].path.assign(candidate.shown_path);
                    continue;
                }
                revisions[i] = RevisionFile();
            }
        }
        outcomes[i] = std::make_unique<Outcome>();
        Outcome& outcome = *outcomes[i];
        outcome.read = true;
        std::optional<std::size_t> size;
        try {
            size = read_file_at(candidate.folder_fd, name.c_str(),
                                std::string(candidate.shown_path), buffer, info);
        } catch (const InputError& error) {
            outcome.problem =
                Diagnostic{error.location(), error.bare_message(), error.hint(), true};
            continue;
        }
        if (!size) {
            outcome.problem = io_problem(candidate, "open the file", ENOENT);
            outcome.gone_from_cached_listing = candidate.listed_by_cache;
            continue;
        }
        std::string_view content(buffer.data(), *size);
        std::string path(candidate.shown_path);
        try {
            revisions[i] = parse_revision_file(
                content, path, candidate.branch,
                options.sections == Sections::none ? SectionText::skip : SectionText::load);
            if (cache != nullptr) {
                outcome.stamp = stamp_of(info);
                outcome.content_hash = sha256_hex(content);
            }
        } catch (const InputError& error) {
            SourceLocation where = error.location();
            where.file = std::move(path);
            outcome.problem = Diagnostic{where, error.bare_message(), error.hint(), true};
        }
    }
}

// read_project_files, which may take a branch folder's listing from the
// cache when `cached_listings`.
ProjectFiles read_files(const fs::path& root, const ProjectReadOptions& options,
                        bool cached_listings) {
    fs::path migrations = root / k_migrations_folder;
    std::error_code error;
    if (!fs::is_directory(migrations, error)) {
        throw InputError(SourceLocation{migrations.string()}, "no migrations folder",
                         "run `ecluse init` to create the layout, or point -C at the project root");
    }
    RevisionCache* cache = cache_in_use(options);
    struct BranchFolder {
        std::string name;
        Branch branch;
        std::unique_ptr<Directory> directory; // open until every file is read
        BranchListing listing;
    };
    if (cache != nullptr) {
        // Before any stamp is taken, so that a folder or file that changes
        // after its stamp was taken has a later time than the one recorded.
        cache->begin_scan();
    }
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
    auto relative = [](const BranchFolder& folder) {
        return std::string(k_migrations_folder) + "/" + folder.name;
    };

    // A folder whose stamp is the one the cache recorded with its listing
    // holds the same files: the cache's entries are its listing. The others are listed and sorted
    // side by side: with thousands of files, that is mostly the kernel's time.
    std::vector<BranchFolder*> to_list;
    for (BranchFolder& folder : branches) {
        std::optional<std::vector<std::string_view>> paths;
        if (cache != nullptr && cached_listings) {
            paths = cache->listing(relative(folder), folder.directory->stamp());
        }
        if (!paths) {
            to_list.push_back(&folder);
            continue;
        }
        folder.listing.from_cache = true;
        folder.listing.candidates.reserve(paths->size());
        std::size_t name_at = relative(folder).size() + 1;
        for (std::string_view path : *paths) {
            folder.listing.candidates.push_back(
                {path, name_at, folder.directory->fd(), folder.branch, true});
        }
    }
    auto list = [&](BranchFolder* folder) {
        list_branch(*folder->directory, migrations / folder->name, relative(*folder) + "/",
                    folder->branch, root, folder->listing);
    };
    {
        std::vector<std::future<void>> listers; // get() rethrows a lister's error
        for (std::size_t b = 1; b < to_list.size(); ++b) {
            listers.push_back(std::async(std::launch::async, list, to_list[b]));
        }
        if (!to_list.empty()) {
            list(to_list.front());
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
    ProjectFiles files;
    for (BranchFolder& folder : branches) {
        std::move(folder.listing.candidates.begin(), folder.listing.candidates.end(),
                  std::back_inserter(candidates));
        std::move(folder.listing.problems.begin(), folder.listing.problems.end(),
                  std::back_inserter(problems));
        files.folders_listed += folder.listing.from_cache ? 0 : 1;
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
        workers.emplace_back(read_candidates, std::cref(candidates), begin, end, std::cref(options),
                             std::ref(outcomes), std::ref(revisions));
    }
    read_candidates(candidates, 0, std::min(share, candidates.size()), options, outcomes,
                    revisions);
    for (auto& worker : workers) {
        worker.join();
    }
    // A file of a cached listing that is gone: the folder changed without
    // its stamp saying so (a file system that does not keep folder times as
    // Linux does). Everything is listed again.
    if (std::any_of(outcomes.begin(), outcomes.end(), [](const auto& outcome) {
            return outcome != nullptr && outcome->gone_from_cached_listing;
        })) {
        return read_files(root, options, false);
    }
    if (cache != nullptr) {
        for (const BranchFolder& folder : branches) {
            if (folder.listing.plain) {
                // The candidates were moved out, not erased: still counted.
                cache->record_listing(relative(folder), folder.directory->stamp(),
                                      folder.listing.candidates.size());
            }
        }
    }

    // The revisions stay where they were read; only a problem moves the
    // ones after it down.
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

} // namespace

ProjectFiles read_project_files(const fs::path& root, const ProjectReadOptions& options) {
    return read_files(root, options, true);
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
