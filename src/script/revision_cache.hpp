#pragma once

// A cache of what ecluse learnt from each revision file, kept outside the
// project, so that a file that did not change since the last run is
// neither read nor parsed. A get/put store keyed on the file's path and
// stamp:
//
// - get(path, stamp) gives what a run put for `path` when the file still
//   has that stamp (size, modification and change times in ns, inode,
//   device), else nothing;
// - put(path, entry) records what this run knows; save() writes exactly
//   the entries put by this run (a file that is gone is not put, and
//   leaves), atomically, and only when they differ from what was loaded.
//
// The cache is never trusted blindly: a file with another format version,
// another project root, a bad integrity check (its length and XXH64: it
// guards against truncation and corruption, not against an attacker, who
// could write the user's cache folder anyway) or any malformed entry counts
// as empty. An entry whose file changed less than the file system's
// timestamp granularity before the run that put it ("racy", as git calls
// it) is not kept: a later edit within the same tick could keep its stamp.
// Failing to read or write the cache is never an error: it only saves time.

#include "config/settings.hpp"
#include "script/revision_file.hpp"

#include <cstdint>
#include <deque>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
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

// What one version of a revision file gave.
struct CachedFile {
    FileStamp stamp;
    std::string content_hash; // SHA-256 of the file, hex
    RevisionFile header;      // read with SectionText::skip; `path` and `branch` are the caller's
    bool sql_checked = false; // `check` split both sections without error
    std::string lint_facts;   // src/lint's, opaque here; empty: none
    bool operator==(const CachedFile&) const;
};

class RevisionCache {
public:
    // A cache that holds and writes nothing.
    RevisionCache() = default;

    // The cache file of the project whose absolute root is `root_key`,
    // read now; `now_ns` is the run's start, which decides what is settled
    // enough to be put. A missing, unreadable, corrupted or foreign file
    // gives an empty cache.
    RevisionCache(std::filesystem::path file, std::string root_key,
                  std::int64_t now_ns = wall_clock_ns());

    bool enabled() const { return !m_file.empty(); }

    // The entry loaded for `path`, when the file had this stamp. An entry
    // is checked field by field when it is asked for: a malformed one is
    // not there.
    std::optional<CachedFile> get(std::string_view path, const FileStamp& stamp) const;
    // The entry loaded for `path` whatever its stamp: what was learnt of a
    // content (sql_checked, lint_facts) holds for a file touched since
    // whose content hash is the same.
    std::optional<CachedFile> get(std::string_view path) const;
    // What this run found for `path`; replaces what it put before. Not
    // kept when the stamp is not settled.
    void put(const std::string& path, CachedFile entry);

    // Writes the entries put by this run.
    void save() const;

    // The cache file's content, and reading it back: for tests and the
    // fuzz target. load() replaces what was loaded; false (and nothing
    // loaded) when `content` is not a valid cache of this root.
    std::string render() const;
    bool load(std::string content);
    // The paths of the entries loaded, as stored (a malformed entry among them).
    std::vector<std::string> loaded_paths() const;
    std::size_t loaded_size() const { return m_lines.size(); }
    // The last line that makes `body` (the lines before it, `entries` of
    // them after the three first) a cache file's content.
    static std::string seal(std::string_view body, std::size_t entries);

private:
    std::filesystem::path m_file;
    std::string m_root_key;
    std::int64_t m_start_ns = 0;
    // The loaded file, and each entry's line in it by path; the paths
    // that had escapes, unescaped, are kept aside (stable addresses).
    std::string m_content;
    std::deque<std::string> m_unescaped;
    std::unordered_map<std::string_view, std::string_view> m_lines;
    std::int64_t m_written_ns = 0;
    std::unordered_map<std::string, CachedFile> m_put;
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
