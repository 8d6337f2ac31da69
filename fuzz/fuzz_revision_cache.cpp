// Fuzzes the revision cache reader: any content is either refused or
// loaded, never a crash; the input is also tried with a valid trailing
// checksum so that the entries themselves are parsed. Whatever is loaded
// and looked up renders to a cache that loads back to the same lookups and
// the same folder listings.

#include "script/revision_cache.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

namespace {

// The cache of a project at "/r"; no file behind it.
const char* k_root = "/r";
const char* k_no_file = "/nonexistent/ecluse-fuzz.revisions";
// The time of the run that rewrites the cache.
constexpr std::int64_t k_now = 2'000'000'000'000'000'000;

std::string describe(const ecluse::CachedRevision& hit) {
    const ecluse::RevisionFile& r = hit.revision;
    std::string out = r.revision + "|" + r.down_revision.value_or("-") + "|" + r.message + "|" +
                      r.created + "|" + (r.lock_timeout ? r.lock_timeout->to_string() : "-") + "|" +
                      (r.statement_timeout ? r.statement_timeout->to_string() : "-") + "|" +
                      std::to_string(r.upgrade.first_line) + "|" +
                      std::to_string(r.downgrade.first_line) + (hit.sql_checked ? "|c" : "|");
    for (const auto& id : r.depends_on) {
        out += "|" + id;
    }
    return out;
}

void try_content(const std::string& content) {
    ecluse::RevisionCache cache(k_no_file, k_root);
    if (!cache.load(content)) {
        return;
    }
    // Keep the entries that look up well and stay settled at k_now,
    // render, load again: the same entries look up the same.
    cache.begin_scan(k_now);
    std::string kept;
    std::set<std::string, std::less<>> kept_paths;
    for (const auto& [path, stamp] : cache.entries()) {
        auto hit = cache.lookup(path, ecluse::Branch::pre, stamp);
        if (hit && ecluse::is_settled(stamp, k_now)) {
            cache.keep(path);
            kept += path + " " + describe(*hit) + "\n";
            kept_paths.insert(path);
        }
    }
    // Record each loaded listing again: it is written back when it is
    // settled at k_now and every one of its entries was kept.
    std::string listed;
    for (const auto& [folder, stamp] : cache.listings()) {
        auto paths = cache.listing(folder, stamp);
        if (!paths) {
            std::fprintf(stderr, "a loaded listing does not look up: %s\n", folder.c_str());
            std::abort();
        }
        cache.record_listing(folder, stamp, paths->size());
        bool all_kept = std::all_of(paths->begin(), paths->end(), [&](std::string_view path) {
            return kept_paths.contains(path);
        });
        if (ecluse::is_settled(stamp, k_now) && all_kept) {
            listed += folder + ":" + std::to_string(paths->size()) + "\n";
        }
    }
    ecluse::RevisionCache again(k_no_file, k_root);
    if (!again.load(cache.render())) {
        std::fprintf(stderr, "a rendered cache does not load back\n");
        std::abort();
    }
    std::string after;
    for (const auto& [path, stamp] : again.entries()) {
        auto hit = again.lookup(path, ecluse::Branch::pre, stamp);
        if (!hit) {
            std::fprintf(stderr, "a kept entry does not look up after rendering: %s\n",
                         path.c_str());
            std::abort();
        }
        after += path + " " + describe(*hit) + "\n";
    }
    std::string listed_after;
    for (const auto& [folder, stamp] : again.listings()) {
        auto paths = again.listing(folder, stamp);
        listed_after += folder + ":" + std::to_string(paths ? paths->size() : 0) + "\n";
    }
    if (listed_after != listed) {
        std::fprintf(stderr, "rendering changed the listings:\n%s---\n%s", listed.c_str(),
                     listed_after.c_str());
        std::abort();
    }
    if (after != kept) {
        std::fprintf(stderr, "rendering changed the entries:\n%s---\n%s", kept.c_str(),
                     after.c_str());
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string content(reinterpret_cast<const char*>(data), size);
    try_content(content);
    // The same body with a correct "end" line, so that the entries are read:
    // the lines after the first four ("folders" the fourth) that are not
    // folder lines.
    std::size_t lines = 0;
    std::size_t entries = 0;
    for (std::size_t at = 0; at < content.size();) {
        std::size_t newline = content.find('\n', at);
        if (newline == std::string::npos) {
            break;
        }
        ++lines;
        entries += lines > 4 && content.compare(at, 7, "folder\t") != 0 ? 1 : 0;
        at = newline + 1;
    }
    if (!content.empty() && content.back() == '\n' && lines >= 4) {
        try_content(content + ecluse::RevisionCache::seal(content, entries));
    }
    return 0;
}
