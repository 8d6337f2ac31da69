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
#include <tuple>

namespace ecluse {

namespace {

namespace fs = std::filesystem;

// The first line of a cache file. Bump the number whenever what an entry
// holds or how parse_revision_file reads a header changes.
// 4: a plain list of entries (no folder listings), numbers as to_chars writes them.
constexpr std::string_view k_magic = "ecluse-revision-cache\t4";

constexpr std::int64_t k_second_ns = 1'000'000'000;
// Linux stamps files from a clock that ticks at most every 10 ms; 100 ms
// leaves room. A file system without sub-second times gets 2 s (FAT's).
constexpr std::int64_t k_fine_granularity_ns = 100'000'000;
constexpr std::int64_t k_coarse_granularity_ns = 2 * k_second_ns;

// An entry's fields: the path, the stamp's 5, the content's hash, SQL
// checked, lint facts, then the revision's header: its 8 values and the
// lines of its 3 keys and 2 sections.
constexpr std::size_t k_fields = 9 + 13;

using Fields = std::array<std::string_view, k_fields>;

// Cuts `line` at tabs into exactly `fields.size()` fields; false otherwise.
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

// A whole field as a number, as to_chars writes it.
template <typename Number>
bool parse_number(std::string_view text, Number& value) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size() && !text.empty() &&
           text[0] != '+';
}

template <typename Number>
void append_number(std::string& out, Number value) {
    std::array<char, 24> buffer{};
    auto [end, error] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
    out.append(buffer.data(), end);
}

bool settled_before(const FileStamp& stamp, std::int64_t time_ns) {
    bool coarse = stamp.mtime_ns % k_second_ns == 0 && stamp.ctime_ns % k_second_ns == 0;
    std::int64_t margin = coarse ? k_coarse_granularity_ns : k_fine_granularity_ns;
    return std::max(stamp.mtime_ns, stamp.ctime_ns) < time_ns - margin;
}

bool unescaped(std::string_view text, std::string& out) {
    auto value = unescape(text);
    if (value) {
        out = std::move(*value);
    }
    return value.has_value();
}

bool optional_duration(std::string_view field, std::optional<Duration>& out) {
    if (field.empty()) {
        return true;
    }
    out = Duration::parse(field);
    return out.has_value();
}

void append_entry(std::string& out, const std::string& path, const CachedFile& entry) {
    const FileStamp& stamp = entry.stamp;
    const RevisionFile& header = entry.header;
    append_escaped(out, path);
    for (std::int64_t number :
         {static_cast<std::int64_t>(stamp.size), stamp.mtime_ns, stamp.ctime_ns,
          static_cast<std::int64_t>(stamp.inode), static_cast<std::int64_t>(stamp.device)}) {
        out += '\t';
        append_number(out, number);
    }
    out += '\t';
    out += entry.content_hash;
    out += entry.sql_checked ? "\t1\t" : "\t0\t";
    append_escaped(out, entry.lint_facts);
    out += '\t';
    out += header.revision;
    out += '\t';
    if (header.down_revision) {
        out += *header.down_revision;
    }
    out += '\t';
    out += join(header.depends_on, ",");
    out += '\t';
    append_escaped(out, header.message);
    out += '\t';
    append_escaped(out, header.created);
    out += '\t';
    out += transaction_mode_name(header.transaction);
    for (const auto& duration : {header.lock_timeout, header.statement_timeout}) {
        out += '\t';
        out += duration ? duration->to_string() : "";
    }
    for (int number :
         {header.revision_line, header.down_revision_line, header.depends_on_line,
          header.upgrade.first_line, header.downgrade.present ? header.downgrade.first_line : 0}) {
        out += '\t';
        append_number(out, number);
    }
    out += '\n';
}

// An entry as append_entry wrote it (its path aside), checked field by
// field as parse_revision_file would have; false when anything is off.
bool parse_entry(const Fields& field, CachedFile& entry) {
    FileStamp& stamp = entry.stamp;
    std::int64_t size = 0;
    std::int64_t inode = 0;
    std::int64_t device = 0;
    if (!parse_number(field[1], size) || size <= 0 || !parse_number(field[2], stamp.mtime_ns) ||
        !parse_number(field[3], stamp.ctime_ns) || !parse_number(field[4], inode) ||
        !parse_number(field[5], device) || field[6].size() != 64 ||
        (field[7] != "0" && field[7] != "1") || !unescaped(field[8], entry.lint_facts)) {
        return false;
    }
    stamp.size = static_cast<std::uint64_t>(size);
    stamp.inode = static_cast<std::uint64_t>(inode);
    stamp.device = static_cast<std::uint64_t>(device);
    entry.content_hash.assign(field[6]);
    entry.sql_checked = field[7] == "1";

    RevisionFile& header = entry.header;
    if (!is_revision_id(field[9]) || (!field[10].empty() && !is_revision_id(field[10]))) {
        return false;
    }
    header.revision.assign(field[9]);
    if (!field[10].empty()) {
        header.down_revision.emplace(field[10]);
    }
    if (!field[11].empty()) {
        header.depends_on = split(field[11], ',');
    }
    if (!std::all_of(header.depends_on.begin(), header.depends_on.end(), is_revision_id) ||
        !unescaped(field[12], header.message) || !unescaped(field[13], header.created) ||
        (!header.created.empty() && !is_iso8601_utc(header.created))) {
        return false;
    }
    if (field[14] == "none") {
        header.transaction = TransactionMode::none;
    } else if (field[14] != transaction_mode_name(TransactionMode::per_migration)) {
        return false;
    }
    int upgrade_line = 0;
    int downgrade_line = 0;
    if (!optional_duration(field[15], header.lock_timeout) ||
        !optional_duration(field[16], header.statement_timeout) ||
        !parse_number(field[17], header.revision_line) ||
        !parse_number(field[18], header.down_revision_line) ||
        !parse_number(field[19], header.depends_on_line) ||
        !parse_number(field[20], upgrade_line) || !parse_number(field[21], downgrade_line) ||
        header.revision_line <= 0 || header.down_revision_line <= 0 || header.depends_on_line < 0 ||
        upgrade_line < 2 || (downgrade_line != 0 && downgrade_line <= upgrade_line) ||
        (header.depends_on.empty() != (header.depends_on_line == 0))) {
        return false;
    }
    header.upgrade = {std::string(), upgrade_line, true};
    if (downgrade_line != 0) {
        header.downgrade = {std::string(), downgrade_line, true};
    }
    header.sections_loaded = false;
    return true;
}

} // namespace

bool CachedFile::operator==(const CachedFile& other) const {
    auto fields = [](const CachedFile& f) {
        const RevisionFile& h = f.header;
        return std::tie(f.stamp, f.content_hash, f.sql_checked, f.lint_facts, h.revision,
                        h.down_revision, h.depends_on, h.message, h.created, h.transaction,
                        h.lock_timeout, h.statement_timeout, h.revision_line, h.down_revision_line,
                        h.depends_on_line, h.upgrade.first_line, h.downgrade.present,
                        h.downgrade.first_line);
    };
    return fields(*this) == fields(other);
}

std::int64_t wall_clock_ns() {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::int64_t>(now.tv_sec) * k_second_ns + now.tv_nsec;
}

bool is_settled(const FileStamp& stamp, std::int64_t scan_start_ns) {
    return settled_before(stamp, scan_start_ns);
}

RevisionCache::RevisionCache(fs::path file, std::string root_key, std::int64_t now_ns)
    : m_file(std::move(file)), m_root_key(std::move(root_key)), m_start_ns(now_ns) {
    try {
        if (auto content = read_file_if_exists(m_file)) {
            load(std::move(*content));
        }
    } catch (const Error&) {
        // Unreadable: start empty, save() replaces it.
    }
}

std::optional<CachedFile> RevisionCache::get(std::string_view path) const {
    auto found = m_lines.find(path);
    Fields fields;
    CachedFile entry;
    if (found == m_lines.end() || !split_fields(found->second, fields) ||
        !parse_entry(fields, entry) || !settled_before(entry.stamp, m_written_ns)) {
        return std::nullopt; // malformed, or put by a run too soon after the file changed
    }
    return entry;
}

std::optional<CachedFile> RevisionCache::get(std::string_view path, const FileStamp& stamp) const {
    auto entry = get(path);
    if (entry && entry->stamp != stamp) {
        entry.reset();
    }
    return entry;
}

void RevisionCache::put(const std::string& path, CachedFile entry) {
    if (!enabled()) {
        return;
    }
    if (!is_settled(entry.stamp, m_start_ns)) {
        m_put.erase(path);
        return;
    }
    entry.header.path.clear();
    entry.header.branch = Branch::pre;
    m_put.insert_or_assign(path, std::move(entry));
}

std::string RevisionCache::render() const {
    std::vector<const std::pair<const std::string, CachedFile>*> sorted;
    sorted.reserve(m_put.size());
    for (const auto& item : m_put) {
        sorted.push_back(&item);
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const auto* a, const auto* b) { return a->first < b->first; });
    std::string out;
    out.reserve(256 + 256 * sorted.size());
    out += k_magic;
    out += "\nroot\t";
    append_escaped(out, m_root_key);
    out += "\nwritten\t";
    append_number(out, m_start_ns);
    out += '\n';
    for (const auto* item : sorted) {
        append_entry(out, item->first, item->second);
    }
    out += seal(out, sorted.size());
    return out;
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
    m_lines.clear();
    m_unescaped.clear();
    m_content = std::move(content);
    std::string_view text = m_content;
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
        length != body_size || hex64(xxh64(text.substr(0, body_size))) != end[3]) {
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
    if (!next_line(line) || line != k_magic || !next_line(line) || !split_fields(line, root) ||
        root[0] != "root" || unescape(root[1]) != m_root_key || !next_line(line) ||
        !split_fields(line, written) || written[0] != "written" ||
        !parse_number(written[1], m_written_ns)) {
        return false;
    }
    std::unordered_map<std::string_view, std::string_view> lines;
    lines.reserve(count);
    while (next_line(line)) {
        std::string_view path = line.substr(0, line.find('\t'));
        if (path.find('\\') != std::string_view::npos) {
            auto plain = unescape(path);
            if (!plain) {
                return false;
            }
            path = m_unescaped.emplace_back(std::move(*plain));
        }
        if (path.empty() || path.size() == line.size() || !lines.emplace(path, line).second) {
            return false; // no fields, or a path twice
        }
    }
    if (lines.size() != count) {
        return false;
    }
    m_lines = std::move(lines);
    return true;
}

std::vector<std::string> RevisionCache::loaded_paths() const {
    std::vector<std::string> paths;
    for (const auto& item : m_lines) {
        paths.emplace_back(item.first);
    }
    std::sort(paths.begin(), paths.end());
    return paths;
}

void RevisionCache::save() const {
    if (!enabled()) {
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
