// Fuzzes the revision cache reader: any content is either refused or
// loaded, never a crash; the input is also tried with a valid trailing
// checksum so that the entries themselves are parsed. Whatever is loaded
// and put again renders to a cache that loads back to the same entries.

#include "script/revision_cache.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>

namespace {

// The cache of a project at "/r"; no file behind it.
const char* k_root = "/r";
const char* k_no_file = "/nonexistent/ecluse-fuzz.revisions";
// The time of the run that rewrites the cache.
constexpr std::int64_t k_now = 2'000'000'000'000'000'000;

// Every loaded entry that reads, by path.
std::map<std::string, ecluse::CachedFile> entries(const ecluse::RevisionCache& cache) {
    std::map<std::string, ecluse::CachedFile> out;
    for (const std::string& path : cache.loaded_paths()) {
        if (auto entry = cache.get(path)) {
            if (!cache.get(path, entry->stamp)) {
                std::fprintf(stderr, "a loaded entry is not found by its stamp: %s\n",
                             path.c_str());
                std::abort();
            }
            out.emplace(path, std::move(*entry));
        }
    }
    return out;
}

void try_content(const std::string& content) {
    ecluse::RevisionCache cache(k_no_file, k_root, k_now);
    if (!cache.load(content)) {
        return;
    }
    // Put back every entry that reads and is settled at k_now, render, load
    // again: the same entries come back.
    std::map<std::string, ecluse::CachedFile> kept;
    for (auto& [path, entry] : entries(cache)) {
        if (ecluse::is_settled(entry.stamp, k_now)) {
            cache.put(path, entry);
            kept.emplace(path, entry);
        }
    }
    ecluse::RevisionCache again(k_no_file, k_root, k_now);
    if (!again.load(cache.render())) {
        std::fprintf(stderr, "a rendered cache does not load back\n");
        std::abort();
    }
    auto after = entries(again);
    if (after != kept) {
        std::fprintf(stderr, "rendering changed the entries (%zu kept, %zu loaded back)\n",
                     kept.size(), after.size());
        std::abort();
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string content(reinterpret_cast<const char*>(data), size);
    try_content(content);
    // The same body with a correct "end" line, so that the entries are read:
    // the lines after the first three.
    std::size_t lines = 0;
    for (std::size_t at = 0; at < content.size();) {
        std::size_t newline = content.find('\n', at);
        if (newline == std::string::npos) {
            break;
        }
        ++lines;
        at = newline + 1;
    }
    if (!content.empty() && content.back() == '\n' && lines >= 3) {
        try_content(content + ecluse::RevisionCache::seal(content, lines - 3));
    }
    return 0;
}
