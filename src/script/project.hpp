#pragma once

// The user's project on disk: where its revision files and conflict file
// are, and the revision files read once per run.

#include "script/revision_cache.hpp"
#include "script/revision_file.hpp"
#include "util/error.hpp"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ecluse {

inline constexpr std::string_view k_migrations_folder = "migrations";
inline constexpr std::string_view k_snapshot_folder = "snapshot";

std::filesystem::path branch_folder(const std::filesystem::path& root, Branch branch);
std::filesystem::path conflict_file_path(const std::filesystem::path& root);

// Every revision file of a project, read when it is opened: the headers
// for the graph at once, each revision's SQL on demand. A file is opened
// and parsed at most once per run: one that the revision cache knows by its
// stamp is not read until its SQL is asked for; one read from disk keeps
// its SQL. The cache stays behind this class.
//
// Not for several threads at once (sql() fills a memo).
class Project {
public:
    // Lists `migrations/pre` and `migrations/post` under `root` and reads
    // each revision file's header, through `cache` when it is enabled.
    // Files that cannot be read as revisions, and `.sql` files outside the
    // two branch folders (snapshots aside), are problems(), not errors;
    // a project without a `migrations/` folder throws InputError (exit 2).
    explicit Project(std::filesystem::path root, RevisionCache cache = {});
    // The same, the cache opened by `open_cache` while the folders are
    // listed: both take milliseconds with thousands of files.
    Project(std::filesystem::path root, const std::function<RevisionCache()>& open_cache);
    // The project of `settings.root`, with the cache `settings` asks for.
    static Project open(const Settings& settings);
    // A project of revisions already read with their SQL, held in memory:
    // nothing is read from disk and nothing cached (tests, fuzz targets).
    static Project from_revisions(std::vector<RevisionFile> revisions);

    Project(Project&&) noexcept;
    Project& operator=(Project&&) noexcept;
    ~Project();

    const std::filesystem::path& root() const;
    // What cannot be read; throw_problems() throws them as one InputError.
    const std::vector<Diagnostic>& problems() const;
    void throw_problems() const;

    // The header of every revision file that reads, sorted by path; both
    // sections `present` and `first_line` set, their text empty
    // (sections_loaded false).
    const std::vector<RevisionFile>& headers() const;
    // The same headers, for a RevisionGraph to hold without copying them.
    std::shared_ptr<const std::vector<RevisionFile>> shared_headers() const;
    // How many files were read from disk; the others came from the cache.
    std::size_t files_read() const;

    // The revision of `header` (one of headers(), or a copy of it) with
    // both sections' SQL. Throws InputError when the file can no longer be
    // read, and CheckFailed when its header is no longer the one read
    // first (the file changed while ecluse was running).
    const RevisionFile& sql(const RevisionFile& header) const;

    // What `check` and src/lint remember of a file's content across runs,
    // through the cache. The file is one of headers()'s paths.
    bool sql_checked(const std::string& path) const;
    void mark_sql_checked(const std::string& path);
    std::optional<std::string> lint_facts(const std::string& path) const;
    void set_lint_facts(const std::string& path, std::string facts);

    // Writes what this run learnt to the cache (nothing when it is off).
    void save_cache() const;

private:
    explicit Project(std::nullptr_t); // empty
    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace ecluse
