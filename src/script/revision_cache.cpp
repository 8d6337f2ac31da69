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
#include <vector>

namespace ecluse {

namespace {

namespace fs = std::filesystem;

// The first line of a cache file. Bump the number whenever what an entry
// holds or how parse_revision_file reads a header changes.
constexpr std::string_view k_magic = "ecluse-revision-cache\t1";

constexpr std::int64_t k_second_ns = 1'000'000'000;
// Linux stamps files from a clock that ticks at most every 10 ms; 100 ms
// leaves room. A file system without sub-second times gets 2 s (FAT's).
constexpr std::int64_t k_fine_granularity_ns = 100'000'000;
constexpr std::int64_t k_coarse_granularity_ns = 2 * k_second_ns;

// An entry: 8 fields of the file, then the revision's header.
constexpr std::size_t k_file_fields = 8;
constexpr std::size_t k_header_fields = 13;

void escape_into(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
        case '\\':
            out += "\\\\";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            out += c;
        }
    }
}

std::optional<std::string> unescape(std::string_view text) {
    if (text.find('\\') == std::string_view::npos) {
        return std::string(text); // the usual case: nothing escaped
    }
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '\\') {
            out += text[i];
            continue;
        }
        if (++i == text.size()) {
            return std::nullopt;
        }
        switch (text[i]) {
        case '\\':
            out += '\\';
            break;
        case 't':
            out += '\t';
            break;
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        default:
            return std::nullopt;
        }
    }
    return out;
}

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

template <typename Number>
bool parse_number(std::string_view text, Number& value) {
    if (text.empty() || (text.size() > 1 && text[0] == '0')) {
        return false;
    }
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
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

std::int64_t max_time(const FileStamp& stamp) {
    return std::max(stamp.mtime_ns, stamp.ctime_ns);
}

bool settled_before(const FileStamp& stamp, std::int64_t time_ns) {
    bool coarse = stamp.mtime_ns % k_second_ns == 0 && stamp.ctime_ns % k_second_ns == 0;
    std::int64_t margin = coarse ? k_coarse_granularity_ns : k_fine_granularity_ns;
    return max_time(stamp) < time_ns - margin;
}

// The revision's header fields (after the file's), escaped, tab separated.
std::string render_header(const RevisionFile& revision) {
    std::string out;
    escape_into(out, revision.revision);
    out += '\t';
    escape_into(out, revision.down_revision.value_or(""));
    out += '\t';
    escape_into(out, join(revision.depends_on, ","));
    out += '\t';
    escape_into(out, revision.message);
    out += '\t';
    escape_into(out, revision.created);
    out += '\t';
    out += transaction_mode_name(revision.transaction);
    out += '\t';
    escape_into(out, revision.lock_timeout.value_or(""));
    out += '\t';
    escape_into(out, revision.statement_timeout.value_or(""));
    for (int number : {revision.revision_line, revision.down_revision_line,
                       revision.depends_on_line, revision.upgrade.first_line,
                       revision.downgrade.present ? revision.downgrade.first_line : 0}) {
        out += '\t';
        append_number(out, number);
    }
    return out;
}

std::optional<std::string> optional_text(std::string_view field) {
    if (field.empty()) {
        return std::nullopt;
    }
    return unescape(field);
}

// The header stored by render_header, checked field by field as
// parse_revision_file would have; nullopt when anything is off.
std::optional<RevisionFile> parse_header(std::string_view text) {
    std::array<std::string_view, k_header_fields> field;
    if (!split_fields(text, field)) {
        return std::nullopt;
    }
    RevisionFile revision;
    revision.revision = std::string(field[0]);
    if (!is_revision_id(revision.revision)) {
        return std::nullopt;
    }
    if (!field[1].empty()) {
        if (!is_revision_id(field[1])) {
            return std::nullopt;
        }
        revision.down_revision = std::string(field[1]);
    }
    if (!field[2].empty()) {
        for (std::string& id : split(field[2], ',')) {
            if (!is_revision_id(id)) {
                return std::nullopt;
            }
            revision.depends_on.push_back(std::move(id));
        }
    }
    auto message = unescape(field[3]);
    auto created = unescape(field[4]);
    if (!message || !created || (!created->empty() && !is_iso8601_utc(*created))) {
        return std::nullopt;
    }
    revision.message = std::move(*message);
    revision.created = std::move(*created);
    if (field[5] == "none") {
        revision.transaction = TransactionMode::none;
    } else if (field[5] != "per-migration") {
        return std::nullopt;
    }
    revision.lock_timeout = optional_text(field[6]);
    revision.statement_timeout = optional_text(field[7]);
    if ((!field[6].empty() && !revision.lock_timeout) ||
        (!field[7].empty() && !revision.statement_timeout)) {
        return std::nullopt;
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
        return std::nullopt;
    }
    revision.upgrade = {std::string(), upgrade_line, true};
    if (downgrade_line != 0) {
        revision.downgrade = {std::string(), downgrade_line, true};
    }
    revision.sections_loaded = false;
    return revision;
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
    : m_file(std::move(file)), m_root_key(std::move(root_key)) {
    try {
        if (auto content = read_file_if_exists(m_file)) {
            load(std::move(*content));
        }
    } catch (const Error&) {
        // Unreadable: start empty, save() replaces it.
    }
}

bool RevisionCache::load(std::string content) {
    m_entries.clear();
    m_loaded = 0;
    m_content = std::move(content);
    std::string_view text = m_content;

    // The last line: "end\t<entries>\t<SHA-256 of everything before it>".
    if (text.empty() || text.back() != '\n') {
        return false;
    }
    std::size_t last = text.rfind('\n', text.size() - 2);
    std::size_t body_size = last == std::string_view::npos ? 0 : last + 1;
    std::array<std::string_view, 3> end;
    if (!split_fields(text.substr(body_size, text.size() - body_size - 1), end) ||
        end[0] != "end" || sha256_hex(text.substr(0, body_size)) != end[2]) {
        return false;
    }
    std::size_t count = 0;
    if (!parse_number(end[1], count)) {
        return false;
    }

    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start < body_size) {
        std::size_t newline = text.find('\n', start);
        lines.push_back(text.substr(start, newline - start));
        start = newline + 1;
    }
    std::array<std::string_view, 2> root;
    std::array<std::string_view, 2> written;
    std::int64_t written_ns = 0;
    if (lines.size() != count + 3 || lines[0] != k_magic || !split_fields(lines[1], root) ||
        root[0] != "root" || unescape(root[1]) != m_root_key || !split_fields(lines[2], written) ||
        written[0] != "written" || !parse_number(written[1], written_ns)) {
        return false;
    }

    std::unordered_map<std::string, Entry> entries;
    entries.reserve(count);
    for (std::size_t i = 3; i < lines.size(); ++i) {
        // Cut the file's fields; the rest is the header, parsed on lookup.
        std::string_view line = lines[i];
        std::array<std::string_view, k_file_fields> file;
        std::size_t at = 0;
        bool ok = true;
        for (std::size_t f = 0; f < k_file_fields && ok; ++f) {
            std::size_t tab = line.find('\t', at);
            ok = tab != std::string_view::npos;
            if (ok) {
                file[f] = line.substr(at, tab - at);
                at = tab + 1;
            }
        }
        Entry entry;
        auto path = ok ? unescape(file[0]) : std::nullopt;
        ok = ok && path && !path->empty() && parse_number(file[1], entry.stamp.size) &&
             parse_number(file[2], entry.stamp.mtime_ns) &&
             parse_number(file[3], entry.stamp.ctime_ns) &&
             parse_number(file[4], entry.stamp.inode) &&
             parse_number(file[5], entry.stamp.device) && file[6].size() == 64 &&
             is_lower_hex(file[6]) && (file[7] == "0" || file[7] == "1");
        if (file[1] == "0") {
            ok = false; // a revision file is never empty
        }
        if (!ok || entries.count(*path) != 0) {
            return false;
        }
        entry.content_hash = std::string(file[6]);
        entry.sql_checked = file[7] == "1";
        entry.settled = settled_before(entry.stamp, written_ns);
        entry.header = line.substr(at);
        entries.emplace(std::move(*path), entry);
    }
    m_entries = std::move(entries);
    m_loaded = m_entries.size();
    return true;
}

std::vector<std::pair<std::string, FileStamp>> RevisionCache::entries() const {
    std::vector<std::pair<std::string, FileStamp>> list;
    for (const auto& [path, entry] : m_entries) {
        list.emplace_back(path, entry.stamp);
    }
    std::sort(list.begin(), list.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    return list;
}

void RevisionCache::begin_scan(std::int64_t now_ns) {
    m_scan_start_ns = now_ns;
}

std::optional<CachedRevision> RevisionCache::lookup(const std::string& path, Branch branch,
                                                    const FileStamp& stamp) const {
    auto it = m_entries.find(path);
    if (it == m_entries.end() || !it->second.settled || it->second.stamp != stamp) {
        return std::nullopt;
    }
    auto revision = parse_header(it->second.header);
    if (!revision) {
        return std::nullopt;
    }
    revision->path = path;
    revision->branch = branch;
    return CachedRevision{std::move(*revision), it->second.sql_checked};
}

void RevisionCache::keep(const std::string& path) {
    if (auto it = m_entries.find(path); it != m_entries.end()) {
        it->second.in_this_run = true;
    }
}

void RevisionCache::store(const std::string& path, const FileStamp& stamp, std::string content_hash,
                          const RevisionFile& revision) {
    if (!enabled()) {
        return;
    }
    if (!is_settled(stamp, m_scan_start_ns)) {
        // Too fresh to trust its stamp next time: leave it out.
        m_changed = m_entries.erase(path) != 0 || m_changed;
        return;
    }
    Entry& entry = m_entries[path];
    bool same_content = entry.content_hash == content_hash;
    m_new_headers.push_back(render_header(revision));
    entry.sql_checked = entry.sql_checked && same_content;
    entry.stamp = stamp;
    entry.content_hash = std::move(content_hash);
    entry.settled = true;
    entry.header = m_new_headers.back();
    entry.in_this_run = true;
    m_changed = true;
}

void RevisionCache::mark_sql_checked(const std::string& path) {
    if (auto it = m_entries.find(path); it != m_entries.end() && !it->second.sql_checked) {
        it->second.sql_checked = true;
        m_changed = true;
    }
}

std::string RevisionCache::render() const {
    std::vector<const std::pair<const std::string, Entry>*> kept;
    for (const auto& item : m_entries) {
        if (item.second.in_this_run) {
            kept.push_back(&item);
        }
    }
    std::sort(kept.begin(), kept.end(), [](auto* a, auto* b) { return a->first < b->first; });
    std::string out;
    out.reserve(kept.size() * 256 + 256);
    out += k_magic;
    out += "\nroot\t";
    escape_into(out, m_root_key);
    out += "\nwritten\t";
    append_number(out, m_scan_start_ns);
    out += '\n';
    for (const auto* item : kept) {
        const Entry& entry = item->second;
        escape_into(out, item->first);
        out += '\t';
        append_number(out, entry.stamp.size);
        out += '\t';
        append_number(out, entry.stamp.mtime_ns);
        out += '\t';
        append_number(out, entry.stamp.ctime_ns);
        out += '\t';
        append_number(out, entry.stamp.inode);
        out += '\t';
        append_number(out, entry.stamp.device);
        out += '\t';
        out += entry.content_hash;
        out += entry.sql_checked ? "\t1\t" : "\t0\t";
        out += entry.header;
        out += '\n';
    }
    std::string checksum = sha256_hex(out);
    out += "end\t";
    append_number(out, kept.size());
    out += '\t';
    out += checksum;
    out += '\n';
    return out;
}

void RevisionCache::save() {
    if (!enabled()) {
        return;
    }
    std::size_t kept = 0;
    for (const auto& item : m_entries) {
        kept += item.second.in_this_run ? 1 : 0;
    }
    if (!m_changed && kept == m_loaded) {
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
