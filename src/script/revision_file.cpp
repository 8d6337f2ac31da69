#include "script/revision_file.hpp"

#include "util/error.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace ecluse {

namespace {

constexpr std::string_view k_upgrade_marker = "ecluse:upgrade";
constexpr std::string_view k_downgrade_marker = "ecluse:downgrade";

constexpr std::array<std::string_view, 8> k_header_keys = {
    "revision", "down_revision", "depends_on",   "message",
    "created",  "transaction",   "lock_timeout", "statement_timeout",
};

const char* k_header_hint = "the header is the file's first lines, one `-- key: value` each; "
                            "write other comments after the blank line that ends it";

// What a line of the file is, as far as the file format cares.
struct LineInfo {
    bool is_comment = false;                // starts with "--"
    std::string_view comment_body;          // after "--", trimmed
    std::optional<std::string_view> marker; // "upgrade", "downgrade", or another ecluse: word
};

LineInfo classify(std::string_view line) {
    LineInfo info;
    std::string_view text = trim(line);
    if (text.substr(0, 2) != "--") {
        return info;
    }
    info.is_comment = true;
    info.comment_body = trim(text.substr(2));
    if (info.comment_body.substr(0, 7) == "ecluse:") {
        std::string_view word = info.comment_body.substr(7);
        auto end = word.find_first_of(" \t");
        info.marker = word.substr(0, end);
    }
    return info;
}

// Capitals are accepted here so that `-- Revision:` is reported as an
// unknown key with the lowercase one suggested.
bool is_header_key_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
}

// A header key as the file may spell it ("down-revision") in the spelling
// of k_header_keys ("down_revision").
std::string normalize_key(std::string_view key) {
    std::string name(key);
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

// The known header key a comment line starts with (`-- transaction: none`),
// or nullopt.
std::optional<std::string> known_key_of(std::string_view comment_body) {
    auto colon = comment_body.find(':');
    if (colon == std::string_view::npos) {
        return std::nullopt;
    }
    std::string name = normalize_key(trim(comment_body.substr(0, colon)));
    if (std::find(k_header_keys.begin(), k_header_keys.end(), name) == k_header_keys.end()) {
        return std::nullopt;
    }
    return name;
}

// Skips a UTF-8 byte order mark, which some editors write.
std::string_view without_bom(std::string_view content) {
    if (content.substr(0, 3) == "\xEF\xBB\xBF") {
        content.remove_prefix(3);
    }
    return content;
}

std::string closest_key(std::string_view key) {
    std::string best;
    std::size_t best_distance = 4;
    for (auto candidate : k_header_keys) {
        std::size_t distance = edit_distance(key, candidate);
        if (distance < best_distance) {
            best_distance = distance;
            best = candidate;
        }
    }
    return best;
}

class HeaderReader {
public:
    HeaderReader(RevisionFile& revision, const std::string& path)
        : m_revision(revision), m_path(path) {}

    void read(std::string_view body, int line) {
        auto colon = body.find(':');
        std::string_view key = trim(body.substr(0, colon));
        bool key_ok = colon != std::string_view::npos && !key.empty() &&
                      std::all_of(key.begin(), key.end(), is_header_key_char);
        if (!key_ok) {
            fail(line,
                 "expected `-- key: value` in the header, found `-- " + std::string(body) + "`",
                 k_header_hint);
        }
        std::string name = normalize_key(key);
        std::string_view value = trim(body.substr(colon + 1));
        if (auto problem = text_problem(body, true)) {
            // It would reach the ledger, JSON and --sql scripts as it is.
            fail(line, "`" + name + "` holds " + *problem,
                 "header values are one line of UTF-8 text without control characters");
        }
        if (std::find(k_header_keys.begin(), k_header_keys.end(), name) == k_header_keys.end()) {
            std::string suggestion = closest_key(to_lower(name));
            fail(line, "unknown header key `" + std::string(key) + "`",
                 suggestion.empty() ? "known keys: " + known_keys()
                                    : "did you mean `" + suggestion + "`?");
        }
        if (std::find(m_seen.begin(), m_seen.end(), name) != m_seen.end()) {
            fail(line, "header key `" + name + "` appears twice", "keep one of the two lines");
        }
        m_seen.push_back(name);
        assign(name, value, line);
    }

    void require_complete(int header_end_line) {
        for (std::string_view key : {"revision", "down_revision"}) {
            if (std::find(m_seen.begin(), m_seen.end(), key) == m_seen.end()) {
                fail(std::max(header_end_line, 1),
                     "the header has no `" + std::string(key) + "` key",
                     "every revision starts with `-- revision: <12 hex>` and `-- down_revision: "
                     "<parent or none>`");
            }
        }
    }

    [[noreturn]] void fail(int line, const std::string& message, std::string hint = {}) const {
        throw InputError(SourceLocation{m_path, line}, message, std::move(hint));
    }

private:
    static std::string known_keys() {
        std::vector<std::string> keys(k_header_keys.begin(), k_header_keys.end());
        return join(keys, ", ");
    }

    std::string revision_id(std::string_view value, int line, std::string_view key) const {
        if (!is_revision_id(value)) {
            fail(line,
                 "`" + std::string(key) + "` must be 12 lowercase hex characters, found " +
                     quote_value(value),
                 "revision ids look like a1b2c3d4e5f6; `ecluse revision` makes new ones");
        }
        return std::string(value);
    }

    void assign(const std::string& key, std::string_view value, int line) {
        if (key == "revision") {
            m_revision.revision = revision_id(value, line, key);
            m_revision.revision_line = line;
        } else if (key == "down_revision") {
            m_revision.down_revision_line = line;
            if (value != "none") {
                m_revision.down_revision = revision_id(value, line, key);
            }
        } else if (key == "depends_on") {
            m_revision.depends_on_line = line;
            for (const auto& part : split(value, ',')) {
                std::string id = revision_id(trim(part), line, key);
                if (std::find(m_revision.depends_on.begin(), m_revision.depends_on.end(), id) !=
                    m_revision.depends_on.end()) {
                    fail(line, "`depends_on` names " + id + " twice");
                }
                m_revision.depends_on.push_back(std::move(id));
            }
        } else if (key == "message") {
            m_revision.message = std::string(value);
        } else if (key == "created") {
            if (!is_iso8601_utc(value)) {
                fail(line, "`created` must be a UTC timestamp like 2026-11-22T14:30:00Z, found " +
                               quote_value(value));
            }
            m_revision.created = std::string(value);
        } else if (key == "transaction") {
            if (value == "per-migration") {
                m_revision.transaction = TransactionMode::per_migration;
            } else if (value == "none") {
                m_revision.transaction = TransactionMode::none;
            } else {
                fail(line, "`transaction` must be `per-migration` or `none`, found " +
                               quote_value(value));
            }
        } else {
            auto duration = Duration::parse(value);
            if (!duration) {
                fail(line,
                     "`" + key + "` must be a duration like 5s, 500ms or 2min, found " +
                         quote_value(value),
                     std::string(k_duration_hint));
            }
            (key == "lock_timeout" ? m_revision.lock_timeout : m_revision.statement_timeout) =
                *duration;
        }
    }

    RevisionFile& m_revision;
    const std::string& m_path;
    std::vector<std::string> m_seen;
};

// Walks a text's lines as split_lines cuts them ("\n", "\r\n" or a lone
// "\r"; no empty line after a final line ending), without building a vector.
class LineCursor {
public:
    explicit LineCursor(std::string_view text, std::size_t offset = 0)
        : m_text(text), m_offset(offset) {}

    // The next line, without its ending; false at the end of the text.
    bool next(std::string_view& line) {
        if (m_offset >= m_text.size()) {
            return false;
        }
        m_line_start = m_offset;
        std::size_t end = m_text.find_first_of("\r\n", m_offset);
        if (end == std::string_view::npos) {
            line = m_text.substr(m_offset);
            m_offset = m_text.size();
            return true;
        }
        line = m_text.substr(m_offset, end - m_offset);
        m_offset = end + 1;
        if (m_text[end] == '\r' && m_offset < m_text.size() && m_text[m_offset] == '\n') {
            ++m_offset;
        }
        return true;
    }

    std::size_t line_start() const { return m_line_start; } // of the line `next` gave
    std::size_t offset() const { return m_offset; }         // after that line's ending

private:
    std::string_view m_text;
    std::size_t m_offset;
    std::size_t m_line_start = 0;
};

// The lines of content[begin, end), each ended by "\n".
std::string section_text(std::string_view content, std::size_t begin, std::size_t end) {
    std::string text;
    text.reserve(end - begin + 1);
    LineCursor cursor(content.substr(0, end), begin);
    std::string_view line;
    while (cursor.next(line)) {
        text += line;
        text += '\n';
    }
    return text;
}

} // namespace

void require_sections(const RevisionFile& revision) {
    if (!revision.sections_loaded) {
        throw std::logic_error("the SQL of " + revision.path +
                               " was not loaded (read with SectionText::skip)");
    }
}

std::string_view transaction_mode_name(TransactionMode mode) {
    return mode == TransactionMode::none ? "none" : "per-migration";
}

bool is_revision_id(std::string_view text) {
    return text.size() == k_revision_id_length && is_lower_hex(text);
}

RevisionFile parse_revision_file(std::string_view content, const std::string& path, Branch branch,
                                 SectionText sections) {
    if (auto problem = text_problem(path)) {
        // A file name is written into the ledger, JSON and --sql scripts:
        // a line break in it could end a comment there.
        throw InputError(SourceLocation{path}, "the file name holds " + *problem,
                         "rename the file: revision file names are UTF-8 without control "
                         "characters, `ecluse revision` makes them");
    }
    content = without_bom(content);
    RevisionFile revision;
    revision.path = path;
    revision.branch = branch;
    HeaderReader header(revision, path);
    LineCursor cursor(content);
    std::string_view text;
    int line = 0;
    bool more = cursor.next(text);
    for (; more; more = cursor.next(text)) {
        LineInfo info = classify(text);
        if (!info.is_comment || info.marker) {
            break;
        }
        header.read(info.comment_body, ++line);
    }
    header.require_complete(line);

    // File line and byte offsets of each marker line.
    int upgrade_line = 0;
    int downgrade_line = 0;
    std::size_t upgrade_begin = 0; // after the upgrade marker line
    std::size_t upgrade_end = content.size();
    std::size_t downgrade_begin = content.size();
    for (; more; more = cursor.next(text)) {
        LineInfo info = classify(text);
        ++line;
        if (info.marker) {
            if (*info.marker != k_upgrade_marker.substr(7) &&
                *info.marker != k_downgrade_marker.substr(7) && *info.marker != "ignore") {
                header.fail(line, "unknown marker `-- ecluse:" + std::string(*info.marker) + "`",
                            "the sections are `-- ecluse:upgrade` and `-- ecluse:downgrade`");
            }
            if (*info.marker == "upgrade") {
                if (upgrade_line != 0) {
                    header.fail(line, "a second `-- ecluse:upgrade` marker (the first is on line " +
                                          std::to_string(upgrade_line) + ")");
                }
                if (downgrade_line != 0) {
                    header.fail(line, "`-- ecluse:upgrade` comes after `-- ecluse:downgrade`",
                                "put the upgrade section first");
                }
                upgrade_line = line;
                upgrade_begin = cursor.offset();
            } else if (*info.marker == "downgrade") {
                if (downgrade_line != 0) {
                    header.fail(line,
                                "a second `-- ecluse:downgrade` marker (the first is on line " +
                                    std::to_string(downgrade_line) + ")");
                }
                if (upgrade_line == 0) {
                    header.fail(line, "`-- ecluse:downgrade` comes before `-- ecluse:upgrade`",
                                "put the upgrade section first");
                }
                downgrade_line = line;
                upgrade_end = cursor.line_start();
                downgrade_begin = cursor.offset();
            }
        } else if (upgrade_line == 0 && !info.is_comment && !trim(text).empty()) {
            header.fail(line, "SQL before the `-- ecluse:upgrade` marker",
                        "put the migration's statements after a line `-- ecluse:upgrade`");
        } else if (auto key = known_key_of(info.comment_body); upgrade_line == 0 && key) {
            // Most likely meant as a header line: ignoring it would silently
            // change how the revision runs (`transaction: none`).
            header.fail(line, "header key `" + *key + "` after the blank line that ends the header",
                        "move it up into the header, or it is only a comment and is ignored");
        }
    }
    if (upgrade_line == 0) {
        header.fail(line, "no `-- ecluse:upgrade` section",
                    "add a line `-- ecluse:upgrade` followed by the migration's SQL");
    }
    bool load = sections == SectionText::load;
    revision.sections_loaded = load;
    revision.upgrade = {load ? section_text(content, upgrade_begin, upgrade_end) : std::string(),
                        upgrade_line + 1, true};
    if (downgrade_line != 0) {
        revision.downgrade = {load ? section_text(content, downgrade_begin, content.size())
                                   : std::string(),
                              downgrade_line + 1, true};
    }
    return revision;
}

std::string render_revision_file(const RevisionFile& revision) {
    std::string out;
    auto line = [&out](std::string_view key, std::string_view value) {
        out += "-- ";
        out += key;
        out += value.empty() ? ":" : ": ";
        out += value;
        out += '\n';
    };
    // A section's text, ending with a line ending so that the next marker
    // starts its own line.
    auto section = [&out](const Section& section) {
        out += section.text;
        if (!section.text.empty() && section.text.back() != '\n') {
            out += '\n';
        }
    };
    line("revision", revision.revision);
    line("down_revision", revision.down_revision.value_or("none"));
    if (!revision.depends_on.empty()) {
        line("depends_on", join(revision.depends_on, ", "));
    }
    std::string message = revision.message;
    std::replace_if(
        message.begin(), message.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    line("message", trim(message));
    if (!revision.created.empty()) {
        line("created", revision.created);
    }
    line("transaction", transaction_mode_name(revision.transaction));
    if (revision.lock_timeout) {
        line("lock_timeout", revision.lock_timeout->to_string());
    }
    if (revision.statement_timeout) {
        line("statement_timeout", revision.statement_timeout->to_string());
    }
    out += "\n-- ";
    out += k_upgrade_marker;
    out += '\n';
    section(revision.upgrade);
    if (revision.downgrade.present) {
        out += "-- ";
        out += k_downgrade_marker;
        out += '\n';
        section(revision.downgrade);
    }
    return out;
}

std::string upgrade_checksum(const RevisionFile& revision) {
    require_sections(revision);
    std::string text = normalize_line_endings(revision.upgrade.text);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t')) {
        text.pop_back();
    }
    return sha256_hex(text);
}

std::string replace_header_value(std::string_view content, const std::string& path,
                                 std::string_view key, std::string_view value) {
    std::size_t offset = content.size() - without_bom(content).size();
    while (offset < content.size()) {
        std::size_t end = content.find('\n', offset);
        std::size_t line_end = end == std::string_view::npos ? content.size() : end;
        std::string_view line = content.substr(offset, line_end - offset);
        LineInfo info = classify(line);
        if (!info.is_comment || info.marker) {
            break;
        }
        if (known_key_of(info.comment_body) == normalize_key(key)) {
            bool crlf = !line.empty() && line.back() == '\r';
            std::string replaced(content.substr(0, offset));
            replaced += "-- ";
            replaced += key;
            replaced += ": ";
            replaced += value;
            replaced += crlf ? "\r" : "";
            replaced += content.substr(line_end);
            return replaced;
        }
        offset = line_end + 1;
    }
    throw InputError(SourceLocation{path}, "the header has no `" + std::string(key) + "` key");
}

std::string revision_file_name(std::string_view compact_timestamp, std::string_view revision,
                               std::string_view message) {
    std::string slug = slugify(message);
    std::string name = std::string(compact_timestamp) + "_" + std::string(revision);
    if (!slug.empty()) {
        name += "_" + slug;
    }
    return name + ".sql";
}

} // namespace ecluse
