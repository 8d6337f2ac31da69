// Fuzzes the revision cache reader: any content is either refused or
// loaded, never a crash; the input is also tried with a valid trailing
// checksum so that the entries themselves are parsed. Whatever is loaded
// and looked up renders to a cache that loads back to the same lookups.

#include "script/revision_cache.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
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
                      r.created + "|" + r.lock_timeout.value_or("-") + "|" +
                      r.statement_timeout.value_or("-") + "|" +
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
    for (const auto& [path, stamp] : cache.entries()) {
        auto hit = cache.lookup(path, ecluse::Branch::pre, stamp);
        if (hit && ecluse::is_settled(stamp, k_now)) {
            cache.keep(path);
            kept += path + " " + describe(*hit) + "\n";
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
    // The same body with a correct "end" line, so that the entries are read.
    std::size_t lines = 0;
    for (char c : content) {
        lines += c == '\n' ? 1 : 0;
    }
    if (!content.empty() && content.back() == '\n' && lines >= 3) {
        try_content(content + ecluse::RevisionCache::seal(content, lines - 3));
    }
    return 0;
}
