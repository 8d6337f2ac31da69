#pragma once

// A cache of parsed revision headers, kept outside the project, so that a
// revision file that did not change since the last run costs one fstatat
// and no read.
//
// An entry is keyed on the file's path (relative to the project root),
// size, modification and change times (ns), inode and device. It holds the
// header as parse_revision_file read it, the SHA-256 of the file's content,
// whether `check` found both sections' SQL valid for that content, and
// src/lint's findings and facts for that content (lint_facts).
// Only files that parsed without error are stored, so every error is
// always found by reading the file again. A branch folder whose listing was
// recorded with the same stamp need not be listed (record_listing).
//
// The cache is never trusted blindly: a file with another format version,
// another project root, a bad integrity check (its length and XXH64: it
// guards against truncation and corruption, not against an attacker, who
// could write the user's cache folder anyway), entries out of order, or any
// malformed entry counts as empty. An entry whose file changed less than the file system's
// timestamp granularity before the run that wrote it ("racy", as git calls it) is not stored: a
// later edit within the same tick could keep its stamp.

#include "config/settings.hpp"
#include "script/revision_file.hpp"
#include "util/file.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ecluse {

// What identifies one version of a file without reading it.
struct FileStamp {
    std::uint64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::int64_t ctime_ns = 0;
    std::uint64_t inode = 0;
    std::uint64_t device = 0;
    bool operator==(const FileStamp&) const = default;
};

// Nanoseconds since the epoch on the clock that file times use.
std::int64_t wall_clock_ns();

// Whether a file with this stamp may be cached by a run that started at
// `scan_start_ns`: it last changed more than the timestamp granularity
// before (100 ms, or 2 s when its times have no sub-second part).
bool is_settled(const FileStamp& stamp, std::int64_t scan_start_ns);

// A revision found in the cache: its header, sections not loaded.
struct CachedRevision {
    RevisionFile revision;
    bool sql_checked = false; // `check` split both sections without error
};

class RevisionCache {
public:
    // A cache that holds and writes nothing.
    RevisionCache() = default;

    // The cache file of the project whose absolute root is `root_key`,
    // loaded by begin_scan() (so that the caller can do something else
    // meanwhile). A missing, unreadable, corrupted or foreign file gives an
    // empty cache; save() then replaces it.
    RevisionCache(std::filesystem::path file, std::string root_key);

    // Entries point into the loaded content: moved, never copied.
    RevisionCache(RevisionCache&&) = default;
    RevisionCache& operator=(RevisionCache&&) = default;
    RevisionCache(const RevisionCache&) = delete;
    RevisionCache& operator=(const RevisionCache&) = delete;

    // Parses a cache file's content; false (and nothing loaded) when it is
    // not a valid cache of `root_key`'s project. Entries are validated
    // one by one in lookup().
    bool load(std::string content);

    // The last line that makes `body` (the lines before it, each ending in
    // a newline, `entries` of them after the three first) a cache file's
    // content: the entry count, the body's length and its XXH64. For tests
    // and the fuzz target, which forge cache files.
    static std::string seal(std::string_view body, std::size_t entries);

    bool enabled() const { return !m_file.empty(); }
    std::size_t size() const { return m_entries.size() + m_added.size(); }
    // Each entry's path and stamp, for tests and the fuzz target.
    std::vector<std::pair<std::string, FileStamp>> entries() const;

    // Call before examining any file: loads the cache file (once), and
    // takes the time that decides which entries are settled enough to be
    // stored, and that save() records. Until then the cache is empty.
    void begin_scan(std::int64_t now_ns = wall_clock_ns());

    // A branch folder's listing, so that a later run can skip listing it:
    // `folder` ("migrations/pre") had this stamp, taken before it was
    // listed, and `files` revision files. Linux changes a folder's times
    // whenever an entry is created, removed or renamed in it, so a folder
    // with the same stamp holds the same names. save() writes the record
    // only when the stamp is settled (is_settled) and this run kept or
    // stored an entry for each of those files, so that the entries are the
    // listing; the caller records only folders without subfolders or
    // symbolic links (whose targets can change without the folder).
    void record_listing(std::string_view folder, const FileStamp& stamp, std::size_t files);

    // The paths of the revision files in `folder`, in path order, when the
    // loaded cache recorded its listing with this stamp; nullopt otherwise.
    // They point into the cache, which must outlive them.
    std::optional<std::vector<std::string_view>> listing(std::string_view folder,
                                                         const FileStamp& stamp) const;
    // Each recorded folder and its stamp, for tests and the fuzz target.
    std::vector<std::pair<std::string, FileStamp>> listings() const;

    // The revision stored for `path` when its entry has this stamp, is
    // well formed and was settled when written; nullopt otherwise.
    // Safe to call from several threads at once.
    std::optional<CachedRevision> lookup(std::string_view path, Branch branch,
                                         const FileStamp& stamp) const;

    // The same into `revision`, which must be default-constructed (and is
    // again after a miss), without a copy; `revision.path` is left to the
    // caller, who has it.
    // `cursor` (start at 0) speeds up lookups made in path order.
    bool lookup_into(std::string_view path, Branch branch, const FileStamp& stamp,
                     RevisionFile& revision, bool& sql_checked,
                     std::size_t* cursor = nullptr) const;

    // The calls below are for one thread at a time (lookups may run
    // meanwhile on others); they are fastest in path order.

    // What this run found. save() writes the entries kept or stored here
    // and drops the others (files that are gone).
    void keep(std::string_view path);
    // A file read and parsed without error. Its SQL stays checked, and its
    // lint facts stay, when the content's hash is the one already recorded.
    // Not stored when the file is not settled (is_settled).
    void store(std::string_view path, const FileStamp& stamp, std::string content_hash,
               const RevisionFile& revision);
    void mark_sql_checked(std::string_view path);

    // What src/lint recorded for the content of the file at `path`, when
    // this run kept or stored its entry (so that the content is the one
    // read); nullopt when nothing is recorded. The cache does not interpret
    // it: src/lint puts its own version and configuration in it.
    std::optional<std::string> lint_facts(std::string_view path) const;
    // Records them for the entry kept or stored by this run; ignored for a
    // file that has no such entry (not settled, or not read by this run).
    void set_lint_facts(std::string_view path, std::string facts);

    // The cache file's content for what this run kept and stored.
    std::string render() const;

    // Writes the cache file atomically when this run changed it. Failing to
    // write is not an error: the cache only saves time.
    void save();

private:
    struct Entry {
        std::string_view path; // unescaped, into m_content, m_owned or m_added's key
        FileStamp stamp;
        std::string_view content_hash;
        std::string_view lint;   // escaped as in the file; empty: none
        std::string_view header; // the revision's fields, escaped
        bool sql_checked = false;
        bool settled = false;     // changed well before the run that wrote it
        bool in_this_run = false; // kept or stored by this run
    };

    struct Listing {
        FileStamp stamp;
        std::size_t files = 0;
        bool operator==(const Listing&) const = default;
    };

    // Parses entry lines (each ending in a newline) into `entries`, in path
    // order, with the paths that had to be unescaped kept in `unescaped`;
    // false when one is malformed or out of order.
    static bool parse_entries(std::string_view lines, std::int64_t written_ns,
                              std::vector<Entry>& entries, std::deque<std::string>& unescaped);

    // The entries of the files in `folder` (a range of `entries`, which is
    // sorted by path).
    static std::span<const Entry> folder_entries(const std::vector<Entry>& entries,
                                                 std::string_view folder);

    // Without a cursor: m_cursor, for the calls made in path order by one
    // thread (keep, lint_facts...); lookups from several threads pass theirs.
    const Entry* find(std::string_view path, std::size_t* cursor) const;
    const Entry* find(std::string_view path) const { return find(path, &m_cursor); }
    Entry* find(std::string_view path);
    std::string_view own(std::string text);
    bool load_text(std::string_view text);
    void load_file();

    std::filesystem::path m_file;
    std::string m_root_key;
    // The loaded file; loaded entries point into it.
    std::string m_content;           // loaded from a string (tests, the fuzz target)
    MappedFile m_mapped;             // or mapped from the cache file
    std::deque<std::string> m_owned; // texts made by this run (stable addresses)
    // Loaded paths that had escapes, unescaped (by the two halves of the
    // file, parsed side by side).
    std::array<std::deque<std::string>, 2> m_unescaped;
    std::vector<Entry> m_entries;                      // loaded, sorted by path
    std::map<std::string, Entry, std::less<>> m_added; // stored by this run, not loaded
    // Folder listings: loaded (their stamps settled when written), and
    // recorded by this run.
    std::map<std::string, Listing, std::less<>> m_loaded_listings;
    std::map<std::string, Listing, std::less<>> m_listings;
    std::int64_t m_scan_start_ns = 0;
    bool m_load_pending = false; // the file is read by begin_scan()
    bool m_changed = false;
    mutable std::size_t m_cursor = 0;
};

// Where the cache of the project in `settings.root` lives:
// $XDG_CACHE_HOME/ecluse/<hash of the absolute root>.revisions, else
// ~/.cache/ecluse/...; nullopt when `settings.cache` is off or there is no
// home folder. Sets `root_key` to the absolute root.
std::optional<std::filesystem::path>
revision_cache_file(const Settings& settings, std::string& root_key,
                    const EnvironmentLookup& environment = process_environment);

// The cache for `settings`, loaded; a disabled one when caching is off.
RevisionCache open_revision_cache(const Settings& settings);

} // namespace ecluse
