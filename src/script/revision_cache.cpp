#include "script/revision_cache.hpp"

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <ctime>
#include <functional>
#include <future>
#include <limits>
#include <type_traits>
#include <vector>

namespace ecluse {

namespace {

namespace fs = std::filesystem;

// The first line of a cache file. Bump the number whenever what an entry
// holds or how parse_revision_file reads a header changes.
// 2: the integrity check is XXH64 and the length, not SHA-256; entries are
// sorted by path; each has a lint field.
// 3: the folders' listings, between the "written" line and the entries.
// 4: file names and header values with control characters or bytes that
// are not UTF-8 are refused, so older entries may hold what is now refused.
constexpr std::string_view k_magic = "ecluse-revision-cache\t4";

constexpr std::int64_t k_second_ns = 1'000'000'000;
// Linux stamps files from a clock that ticks at most every 10 ms; 100 ms
// leaves room. A file system without sub-second times gets 2 s (FAT's).
constexpr std::int64_t k_fine_granularity_ns = 100'000'000;
constexpr std::int64_t k_coarse_granularity_ns = 2 * k_second_ns;

// An entry: 9 fields of the file (path, the stamp's 5, the content's hash,
// SQL checked, lint facts), then the revision's header.
constexpr std::size_t k_file_fields = 9;
constexpr std::size_t k_header_fields = 13;

// Cuts `line` at tabs into exactly `count` fields; false otherwise.
template <std::size_t N>
bool split_fields(std::string_view line, std::array<std::string_view, N>& fields) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < N; ++i) {
        std::size_t end = i + 1 == N ? line.size() : line.find('\t', start);
        if (end == std::string_view::npos) {
            return false;
        }
        fields[i] = line.substr(start, end - start);
        start = end + 1;
    }
    return fields[N - 1].find('\t') == std::string_view::npos;
}

// A decimal number as append_number writes it: no sign but a leading '-'
// for a negative signed value, no leading zero. Written out rather than
// std::from_chars, which cost 280 instructions for a nanosecond time (a
// cache of 20,000 entries has 100,000 numbers).
template <typename Number>
bool parse_number(std::string_view text, Number& value) {
    bool negative = std::is_signed_v<Number> && !text.empty() && text[0] == '-';
    std::string_view digits = negative ? text.substr(1) : text;
    if (digits.empty() || (digits.size() > 1 && digits[0] == '0') || (negative && digits == "0")) {
        return false;
    }
    std::uint64_t magnitude = 0;
    for (char c : digits) {
        auto digit = static_cast<unsigned>(static_cast<unsigned char>(c) - '0');
        if (digit > 9 || __builtin_mul_overflow(magnitude, 10U, &magnitude) ||
            __builtin_add_overflow(magnitude, digit, &magnitude)) {
            return false;
        }
    }
    using Limits = std::numeric_limits<Number>;
    if (negative) {
        // The most negative value's magnitude is the largest one plus one.
        if (magnitude > static_cast<std::uint64_t>(Limits::max()) + 1) {
            return false;
        }
        value = static_cast<Number>(0 - magnitude);
        return true;
    }
    if (magnitude > static_cast<std::uint64_t>(Limits::max())) {
        return false;
    }
    value = static_cast<Number>(magnitude);
    return true;
}

bool parse_line_number(std::string_view text, int& value) {
    return parse_number(text, value) && value >= 0;
}

template <typename Number>
void append_number(std::string& out, Number value) {
    std::array<char, 24> buffer{};
    auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.append(buffer.data(), end);
}

// A stamp's 5 numbers, each after a tab.
void append_stamp(std::string& out, const FileStamp& stamp) {
    out += '\t';
    append_number(out, stamp.size);
    out += '\t';
    append_number(out, stamp.mtime_ns);
    out += '\t';
    append_number(out, stamp.ctime_ns);
    out += '\t';
    append_number(out, stamp.inode);
    out += '\t';
    append_number(out, stamp.device);
}

// The 5 fields from `fields[0]` on, as append_stamp wrote them.
bool parse_stamp(const std::string_view* fields, FileStamp& stamp) {
    return parse_number(fields[0], stamp.size) && parse_number(fields[1], stamp.mtime_ns) &&
           parse_number(fields[2], stamp.ctime_ns) && parse_number(fields[3], stamp.inode) &&
           parse_number(fields[4], stamp.device);
}

std::int64_t max_time(const FileStamp& stamp) {
    return std::max(stamp.mtime_ns, stamp.ctime_ns);
}

bool settled_before(const FileStamp& stamp, std::int64_t time_ns) {
    bool coarse = stamp.mtime_ns % k_second_ns == 0 && stamp.ctime_ns % k_second_ns == 0;
    std::int64_t margin = coarse ? k_coarse_granularity_ns : k_fine_granularity_ns;
    return max_time(stamp) < time_ns - margin;
}

void append_duration(std::string& out, const std::optional<Duration>& duration) {
    if (duration) {
        out += duration->to_string();
    }
}

// The revision's header fields (after the file's), escaped, tab separated.
std::string render_header(const RevisionFile& revision) {
    std::string out;
    append_escaped(out, revision.revision);
    out += '\t';
    append_escaped(out, revision.down_revision.value_or(""));
    out += '\t';
    append_escaped(out, join(revision.depends_on, ","));
    out += '\t';
    append_escaped(out, revision.message);
    out += '\t';
    append_escaped(out, revision.created);
    out += '\t';
    out += transaction_mode_name(revision.transaction);
    out += '\t';
    append_duration(out, revision.lock_timeout);
    out += '\t';
    append_duration(out, revision.statement_timeout);
    for (int number : {revision.revision_line, revision.down_revision_line,
                       revision.depends_on_line, revision.upgrade.first_line,
                       revision.downgrade.present ? revision.downgrade.first_line : 0}) {
        out += '\t';
        append_number(out, number);
    }
    return out;
}

// The header stored by render_header, checked field by field as
// parse_revision_file would have; nullopt when anything is off.
bool unappend_escaped(std::string_view text, std::string& out) {
    if (text.find('\\') == std::string_view::npos) {
        out.assign(text);
        return true;
    }
    auto unescaped = unescape(text);
    if (unescaped) {
        out = std::move(*unescaped);
    }
    return unescaped.has_value();
}

bool optional_duration(std::string_view field, std::optional<Duration>& out) {
    if (field.empty()) {
        return true;
    }
    out = Duration::parse(field);
    return out.has_value();
}

// The header stored by render_header, checked field by field as
// parse_revision_file would have, into a default-constructed `revision`;
// false when anything is off.
bool parse_header(std::string_view text, RevisionFile& revision) {
    std::array<std::string_view, k_header_fields> field;
    if (!split_fields(text, field) || !is_revision_id(field[0]) ||
        (!field[1].empty() && !is_revision_id(field[1]))) {
        return false;
    }
    revision.revision.assign(field[0]);
    if (!field[1].empty()) {
        revision.down_revision.emplace(field[1]);
    }
    for (std::string_view rest = field[2]; !rest.empty();) {
        std::size_t comma = rest.find(',');
        std::string_view id = rest.substr(0, comma);
        if (!is_revision_id(id)) {
            return false;
        }
        revision.depends_on.emplace_back(id);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        if (comma != std::string_view::npos && rest.empty()) {
            return false; // a trailing comma: an empty id
        }
    }
    if (!unappend_escaped(field[3], revision.message) ||
        !unappend_escaped(field[4], revision.created) ||
        (!revision.created.empty() && !is_iso8601_utc(revision.created))) {
        return false;
    }
    if (field[5] == "none") {
        revision.transaction = TransactionMode::none;
    } else if (field[5] != "per-migration") {
        return false;
    }
    if (!optional_duration(field[6], revision.lock_timeout) ||
        !optional_duration(field[7], revision.statement_timeout)) {
        return false;
    }
    int upgrade_line = 0;
    int downgrade_line = 0;
    if (!parse_line_number(field[8], revision.revision_line) ||
        !parse_line_number(field[9], revision.down_revision_line) ||
        !parse_line_number(field[10], revision.depends_on_line) ||
        !parse_line_number(field[11], upgrade_line) ||
        !parse_line_number(field[12], downgrade_line) || revision.revision_line == 0 ||
        revision.down_revision_line == 0 || upgrade_line < 2 ||
        (downgrade_line != 0 && downgrade_line <= upgrade_line) ||
        (revision.depends_on.empty() != (revision.depends_on_line == 0))) {
        return false;
    }
    revision.upgrade = {std::string(), upgrade_line, true};
    if (downgrade_line != 0) {
        revision.downgrade = {std::string(), downgrade_line, true};
    }
    revision.sections_loaded = false;
    return true;
}

} // namespace

std::int64_t wall_clock_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::int64_t>(now.tv_sec) * k_second_ns + now.tv_nsec;
}

bool is_settled(const FileStamp& stamp, std::int64_t scan_start_ns) {
    return settled_before(stamp, scan_start_ns);
}

RevisionCache::RevisionCache(fs::path file, std::string root_key)
    : m_file(std::move(file)), m_root_key(std::move(root_key)), m_load_pending(true) {}

void RevisionCache::load_file() {
    m_load_pending = false;
    try {
        if (auto mapped = MappedFile::open_if_exists(m_file)) {
            m_mapped = std::move(*mapped);
            if (!load_text(m_mapped.content())) {
                m_mapped = MappedFile();
            }
        }
    } catch (const Error&) {
        // Unreadable: start empty, save() replaces it.
    }
}

std::string RevisionCache::seal(std::string_view body, std::size_t entries) {
    std::string out = "end\t";
    append_number(out, entries);
    out += '\t';
    append_number(out, body.size());
    out += '\t';
    out += hex64(xxh64(body));
    out += '\n';
    return out;
}

bool RevisionCache::load(std::string content) {
    m_load_pending = false;
    m_mapped = MappedFile();
    m_content = std::move(content);
    return load_text(m_content);
}

bool RevisionCache::load_text(std::string_view text) {
    m_entries.clear();
    m_added.clear();
    m_owned.clear();
    m_unescaped = {};
    m_loaded_listings.clear();

    // The last line: "end\t<entries>\t<length of the body>\t<XXH64 of the body>".
    if (text.empty() || text.back() != '\n') {
        return false;
    }
    std::size_t last = text.rfind('\n', text.size() - 2);
    std::size_t body_size = last == std::string_view::npos ? 0 : last + 1;
    std::array<std::string_view, 4> end;
    std::size_t count = 0;
    std::size_t length = 0;
    if (!split_fields(text.substr(body_size, text.size() - body_size - 1), end) ||
        end[0] != "end" || !parse_number(end[1], count) || !parse_number(end[2], length) ||
        length != body_size || end[3].size() != 16 ||
        hex64(xxh64(text.substr(0, body_size))) != end[3]) {
        return false;
    }

    std::size_t start = 0;
    auto next_line = [&](std::string_view& line) {
        if (start >= body_size) {
            return false;
        }
        std::size_t newline = text.find('\n', start);
        line = text.substr(start, newline - start);
        start = newline + 1;
        return true;
    };
    std::string_view line;
    std::array<std::string_view, 2> root;
    std::array<std::string_view, 2> written;
    std::int64_t written_ns = 0;
    if (!next_line(line) || line != k_magic || !next_line(line) || !split_fields(line, root) ||
        root[0] != "root" || unescape(root[1]) != m_root_key || !next_line(line) ||
        !split_fields(line, written) || written[0] != "written" ||
        !parse_number(written[1], written_ns)) {
        return false;
    }

    // "folders\t<n>", then n lines "folder\t<path>\t<stamp's 5>\t<files>".
    std::array<std::string_view, 2> folders_line;
    std::size_t folders = 0;
    if (!next_line(line) || !split_fields(line, folders_line) || folders_line[0] != "folders" ||
        !parse_number(folders_line[1], folders)) {
        return false;
    }
    std::map<std::string, Listing, std::less<>> listings;
    for (std::size_t f = 0; f < folders; ++f) {
        std::array<std::string_view, 8> field;
        Listing listing;
        std::optional<std::string> folder;
        if (!next_line(line) || !split_fields(line, field) || field[0] != "folder" ||
            !(folder = unescape(field[1])) || folder->empty() ||
            !parse_stamp(&field[2], listing.stamp) || !parse_number(field[7], listing.files) ||
            !settled_before(listing.stamp, written_ns) ||
            !listings.emplace(std::move(*folder), listing).second) {
            return false;
        }
    }

    // With thousands of entries, two threads parse a half each.
    std::string_view lines = text.substr(start, body_size - start);
    std::size_t middle =
        count >= 4096 ? lines.find('\n', lines.size() / 2) : std::string_view::npos;
    std::vector<Entry> entries;
    std::vector<Entry> second;
    std::array<std::deque<std::string>, 2> unescaped;
    bool second_ok = true;
    std::future<bool> second_half;
    if (middle != std::string_view::npos) {
        second_half = std::async(std::launch::async, parse_entries, lines.substr(middle + 1),
                                 written_ns, std::ref(second), std::ref(unescaped[1]));
        lines = lines.substr(0, middle + 1);
    }
    bool first_ok = parse_entries(lines, written_ns, entries, unescaped[0]);
    if (second_half.valid()) {
        second_ok = second_half.get();
    }
    if (!first_ok || !second_ok ||
        (!entries.empty() && !second.empty() && !(entries.back().path < second.front().path))) {
        return false;
    }
    entries.insert(entries.end(), second.begin(), second.end());
    if (entries.size() != count) {
        return false;
    }
    // A listing is its folder's entries: as many as it says.
    for (const auto& [folder, listing] : listings) {
        if (folder_entries(entries, folder).size() != listing.files) {
            return false;
        }
    }
    m_entries = std::move(entries);
    m_unescaped = std::move(unescaped); // moving a deque keeps its elements in place
    m_loaded_listings = std::move(listings);
    return true;
}

bool RevisionCache::parse_entries(std::string_view lines, std::int64_t written_ns,
                                  std::vector<Entry>& entries, std::deque<std::string>& unescaped) {
    // Every line is longer than 64 bytes (the hash alone is 64): no more
    // entries than that, whatever count the file claims.
    entries.reserve(lines.size() / 64);
    for (std::size_t start = 0; start < lines.size();) {
        std::size_t newline = lines.find('\n', start);
        std::string_view line = lines.substr(start, newline - start);
        start = newline == std::string_view::npos ? lines.size() : newline + 1;
        // Cut the file's fields; the rest is the header, parsed on lookup.
        std::array<std::string_view, k_file_fields> file;
        std::size_t at = 0;
        for (std::size_t f = 0; f < k_file_fields; ++f) {
            std::size_t tab = line.find('\t', at);
            if (tab == std::string_view::npos) {
                return false;
            }
            file[f] = line.substr(at, tab - at);
            at = tab + 1;
        }
        Entry entry;
        entry.path = file[0];
        if (entry.path.find('\\') != std::string_view::npos) {
            auto path = unescape(entry.path);
            if (!path) {
                return false;
            }
            entry.path = unescaped.emplace_back(std::move(*path));
        }
        bool ok = !entry.path.empty() && parse_stamp(&file[1], entry.stamp) &&
                  entry.stamp.size != 0 && // a revision file is never empty
                  file[6].size() == 64 && (file[7] == "0" || file[7] == "1") &&
                  (entries.empty() || entries.back().path < entry.path);
        if (!ok) {
            return false; // malformed, or out of order (which a duplicate is)
        }
        entry.content_hash = file[6];
        entry.sql_checked = file[7] == "1";
        entry.lint = file[8];
        entry.settled = settled_before(entry.stamp, written_ns);
        entry.header = line.substr(at);
        entries.push_back(entry);
    }
    return true;
}

std::span<const RevisionCache::Entry>
RevisionCache::folder_entries(const std::vector<Entry>& entries, std::string_view folder) {
    std::string prefix = std::string(folder) + '/';
    auto by_path = [](const Entry& entry, std::string_view p) { return entry.path < p; };
    auto first = std::lower_bound(entries.begin(), entries.end(), prefix, by_path);
    auto last = first;
    while (last != entries.end() && last->path.starts_with(prefix)) {
        ++last;
    }
    return {first, last};
}

void RevisionCache::record_listing(std::string_view folder, const FileStamp& stamp,
                                   std::size_t files) {
    if (!enabled()) {
        return;
    }
    Listing listing{stamp, files};
    m_listings.insert_or_assign(std::string(folder), listing);
    auto loaded = m_loaded_listings.find(folder);
    m_changed = m_changed || loaded == m_loaded_listings.end() || loaded->second != listing;
}

std::optional<std::vector<std::string_view>> RevisionCache::listing(std::string_view folder,
                                                                    const FileStamp& stamp) const {
    auto loaded = m_loaded_listings.find(folder);
    if (loaded == m_loaded_listings.end() || loaded->second.stamp != stamp) {
        return std::nullopt;
    }
    std::vector<std::string_view> paths;
    std::span<const Entry> entries = folder_entries(m_entries, folder);
    paths.reserve(entries.size());
    for (const Entry& entry : entries) {
        paths.push_back(entry.path);
    }
    return paths;
}

std::vector<std::pair<std::string, FileStamp>> RevisionCache::listings() const {
    std::vector<std::pair<std::string, FileStamp>> list;
    for (const auto& [folder, listing] : m_loaded_listings) {
        list.emplace_back(folder, listing.stamp);
    }
    return list;
}

const RevisionCache::Entry* RevisionCache::find(std::string_view path, std::size_t* cursor) const {
    // Lookups in path order find their entry right after the last one.
    if (cursor != nullptr && *cursor < m_entries.size() && m_entries[*cursor].path == path) {
        return &m_entries[(*cursor)++];
    }
    auto it =
        std::lower_bound(m_entries.begin(), m_entries.end(), path,
                         [](const Entry& entry, std::string_view p) { return entry.path < p; });
    if (it != m_entries.end() && it->path == path) {
        if (cursor != nullptr) {
            *cursor = static_cast<std::size_t>(it - m_entries.begin()) + 1;
        }
        return &*it;
    }
    auto added = m_added.find(path);
    return added == m_added.end() ? nullptr : &added->second;
}

RevisionCache::Entry* RevisionCache::find(std::string_view path) {
    return const_cast<Entry*>(static_cast<const RevisionCache*>(this)->find(path));
}

std::string_view RevisionCache::own(std::string text) {
    return m_owned.emplace_back(std::move(text));
}

std::vector<std::pair<std::string, FileStamp>> RevisionCache::entries() const {
    std::vector<std::pair<std::string, FileStamp>> list;
    for (const Entry& entry : m_entries) {
        list.emplace_back(std::string(entry.path), entry.stamp);
    }
    for (const auto& [path, entry] : m_added) {
        list.emplace_back(path, entry.stamp);
    }
    std::sort(list.begin(), list.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return list;
}

void RevisionCache::begin_scan(std::int64_t now_ns) {
    m_scan_start_ns = now_ns;
    if (m_load_pending) {
        load_file();
    }
}

std::optional<CachedRevision> RevisionCache::lookup(std::string_view path, Branch branch,
                                                    const FileStamp& stamp) const {
    CachedRevision hit;
    if (!lookup_into(path, branch, stamp, hit.revision, hit.sql_checked)) {
        return std::nullopt;
    }
    hit.revision.path.assign(path);
    return hit;
}

bool RevisionCache::lookup_into(std::string_view path, Branch branch, const FileStamp& stamp,
                                RevisionFile& revision, bool& sql_checked,
                                std::size_t* cursor) const {
    const Entry* entry = find(path, cursor);
    if (entry == nullptr || !entry->settled || entry->stamp != stamp) {
        return false;
    }
    if (!parse_header(entry->header, revision)) {
        revision = RevisionFile();
        return false;
    }
    revision.branch = branch;
    sql_checked = entry->sql_checked;
    return true;
}

void RevisionCache::keep(std::string_view path) {
    if (Entry* entry = find(path)) {
        entry->in_this_run = true;
    }
}

void RevisionCache::store(std::string_view path, const FileStamp& stamp, std::string content_hash,
                          const RevisionFile& revision) {
    if (!enabled()) {
        return;
    }
    Entry* entry = find(path);
    if (!is_settled(stamp, m_scan_start_ns)) {
        // Too fresh to trust its stamp next time: leave it out.
        if (entry != nullptr && entry->in_this_run) {
            entry->in_this_run = false;
        }
        m_changed = m_changed || entry != nullptr;
        return;
    }
    if (entry == nullptr) {
        auto [it, inserted] = m_added.emplace(std::string(path), Entry{});
        entry = &it->second;
        entry->path = it->first;
    }
    bool same_content = entry->content_hash == content_hash;
    entry->sql_checked = entry->sql_checked && same_content;
    if (!same_content) {
        entry->lint = {};
    }
    entry->stamp = stamp;
    entry->content_hash = own(std::move(content_hash));
    entry->settled = true;
    entry->header = own(render_header(revision));
    entry->in_this_run = true;
    m_changed = true;
}

void RevisionCache::mark_sql_checked(std::string_view path) {
    if (Entry* entry = find(path); entry != nullptr && !entry->sql_checked) {
        entry->sql_checked = true;
        m_changed = true;
    }
}

std::optional<std::string> RevisionCache::lint_facts(std::string_view path) const {
    const Entry* entry = find(path);
    if (entry == nullptr || !entry->in_this_run || entry->lint.empty()) {
        return std::nullopt;
    }
    return unescape(entry->lint);
}

void RevisionCache::set_lint_facts(std::string_view path, std::string facts) {
    Entry* entry = find(path);
    if (entry == nullptr || !entry->in_this_run) {
        return;
    }
    std::string escaped;
    append_escaped(escaped, facts);
    if (escaped != entry->lint) {
        entry->lint = own(std::move(escaped));
        m_changed = true;
    }
}

std::string RevisionCache::render() const {
    std::vector<const Entry*> kept;
    for (const Entry& entry : m_entries) {
        if (entry.in_this_run) {
            kept.push_back(&entry);
        }
    }
    for (const auto& item : m_added) {
        if (item.second.in_this_run) {
            kept.push_back(&item.second);
        }
    }
    std::sort(kept.begin(), kept.end(), [](auto* a, auto* b) { return a->path < b->path; });
    std::string out;
    std::size_t size = 256;
    for (const Entry* entry : kept) {
        size += entry->path.size() + entry->lint.size() + entry->header.size() + 160;
    }
    out.reserve(size);
    out += k_magic;
    out += "\nroot\t";
    append_escaped(out, m_root_key);
    out += "\nwritten\t";
    append_number(out, m_scan_start_ns);
    out += '\n';
    // A listing is written when its entries are the files it counted.
    std::string folders;
    std::size_t folder_count = 0;
    for (const auto& [folder, listing] : m_listings) {
        std::string prefix = folder + '/';
        auto files = std::count_if(kept.begin(), kept.end(),
                                   [&](const Entry* e) { return e->path.starts_with(prefix); });
        if (!is_settled(listing.stamp, m_scan_start_ns) ||
            static_cast<std::size_t>(files) != listing.files) {
            continue;
        }
        ++folder_count;
        folders += "folder\t";
        append_escaped(folders, folder);
        append_stamp(folders, listing.stamp);
        folders += '\t';
        append_number(folders, listing.files);
        folders += '\n';
    }
    out += "folders\t";
    append_number(out, folder_count);
    out += '\n';
    out += folders;
    for (const Entry* entry : kept) {
        append_escaped(out, entry->path);
        append_stamp(out, entry->stamp);
        out += '\t';
        out += entry->content_hash;
        out += entry->sql_checked ? "\t1\t" : "\t0\t";
        out += entry->lint;
        out += '\t';
        out += entry->header;
        out += '\n';
    }
    out += seal(out, kept.size());
    return out;
}

void RevisionCache::save() {
    if (!enabled()) {
        return;
    }
    bool all_kept = std::all_of(m_entries.begin(), m_entries.end(),
                                [](const Entry& entry) { return entry.in_this_run; });
    bool listings_kept =
        std::all_of(m_loaded_listings.begin(), m_loaded_listings.end(),
                    [&](const auto& loaded) { return m_listings.contains(loaded.first); });
    if (!m_changed && all_kept && listings_kept) {
        return;
    }
    try {
        std::error_code ignored;
        fs::create_directories(m_file.parent_path(), ignored);
        write_file_atomically(m_file, render());
    } catch (const Error&) {
        // A read-only or full disk: the next run reads the files again.
    }
}

std::optional<fs::path> revision_cache_file(const Settings& settings, std::string& root_key,
                                            const EnvironmentLookup& environment) {
    if (!settings.cache) {
        return std::nullopt;
    }
    fs::path folder;
    auto xdg = environment("XDG_CACHE_HOME");
    auto home = environment("HOME");
    if (xdg && !xdg->empty() && fs::path(*xdg).is_absolute()) {
        folder = fs::path(*xdg) / "ecluse";
    } else if (home && !home->empty() && fs::path(*home).is_absolute()) {
        folder = fs::path(*home) / ".cache" / "ecluse";
    } else {
        return std::nullopt;
    }
    std::error_code error;
    fs::path root = fs::absolute(settings.root, error);
    if (error) {
        return std::nullopt;
    }
    root_key = root.lexically_normal().string();
    if (root_key.size() > 1 && root_key.back() == '/') {
        root_key.pop_back();
    }
    return folder / (sha256_hex(root_key).substr(0, 24) + ".revisions");
}

RevisionCache open_revision_cache(const Settings& settings) {
    std::string root_key;
    auto file = revision_cache_file(settings, root_key);
    if (!file) {
        return RevisionCache();
    }
    return RevisionCache(*file, root_key);
}

} // namespace ecluse
