#include "script/sql_splitter.hpp"

#include "util/strings.hpp"

#include <nlohmann/json.hpp>
#include <pg_query.h>

#include <algorithm>
#include <memory>
#include <utility>

namespace ecluse {

namespace {

bool is_identifier_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || (static_cast<unsigned char>(c) & 0x80) != 0;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Skips whitespace and comments from `pos`; returns the first other byte.
std::size_t skip_blank(std::string_view text, std::size_t pos) {
    while (pos < text.size()) {
        if (is_space(text[pos])) {
            ++pos;
        } else if (text.substr(pos, 2) == "--") {
            pos = text.find('\n', pos);
            if (pos == std::string_view::npos) {
                return text.size();
            }
        } else if (text.substr(pos, 2) == "/*") {
            int depth = 0;
            while (pos < text.size()) {
                if (text.substr(pos, 2) == "/*") {
                    ++depth;
                    pos += 2;
                } else if (text.substr(pos, 2) == "*/") {
                    pos += 2;
                    if (--depth == 0) {
                        break;
                    }
                } else {
                    ++pos;
                }
            }
        } else {
            break;
        }
    }
    return pos;
}

// The end of a quoted literal or identifier that opens at `pos`.
std::size_t skip_quoted(std::string_view text, std::size_t pos, char quote, bool backslashes) {
    for (++pos; pos < text.size(); ++pos) {
        if (backslashes && text[pos] == '\\') {
            ++pos;
        } else if (text[pos] == quote) {
            if (pos + 1 < text.size() && text[pos + 1] == quote) {
                ++pos;
            } else {
                return pos + 1;
            }
        }
    }
    return text.size();
}

// The tag of a dollar quote opening at `pos` ("$$" or "$tag$"), or empty.
std::string_view dollar_tag(std::string_view text, std::size_t pos) {
    if (pos > 0 && is_identifier_char(text[pos - 1])) {
        return {};
    }
    std::size_t end = pos + 1;
    if (end < text.size() && text[end] >= '0' && text[end] <= '9') {
        return {};
    }
    while (end < text.size() && is_identifier_char(text[end]) && text[end] != '$') {
        ++end;
    }
    if (end < text.size() && text[end] == '$') {
        return text.substr(pos, end - pos + 1);
    }
    return {};
}

// The end of the literal, quoted identifier or dollar-quoted string that
// opens at `pos`, or pos + 1 when none does.
std::size_t skip_token(std::string_view text, std::size_t pos) {
    char c = text[pos];
    if (c == '\'') {
        // E'...' strings take backslash escapes; 'x' after an identifier
        // ending in E (name'...') is no such string.
        bool escapes = pos > 0 && (text[pos - 1] == 'E' || text[pos - 1] == 'e') &&
                       (pos < 2 || !is_identifier_char(text[pos - 2]));
        return skip_quoted(text, pos, '\'', escapes);
    }
    if (c == '"') {
        return skip_quoted(text, pos, '"', false);
    }
    if (c == '$') {
        if (std::string_view tag = dollar_tag(text, pos); !tag.empty()) {
            std::size_t close = text.find(tag, pos + tag.size());
            return close == std::string_view::npos ? text.size() : close + tag.size();
        }
    }
    return pos + 1;
}

// The length of `sql` without what follows its last token: whitespace,
// comments and semicolons. A trailing `-- comment` left in a statement would
// swallow the `;` that `--sql` output puts after it.
std::size_t end_of_last_token(std::string_view sql) {
    std::size_t end = 0;
    std::size_t pos = 0;
    while (pos < sql.size()) {
        std::size_t after = skip_blank(sql, pos);
        if (after > pos) {
            pos = after;
        } else if (sql[pos] == ';') {
            ++pos;
        } else {
            pos = skip_token(sql, pos);
            end = pos;
        }
    }
    return end;
}

struct PgQueryParse {
    PgQueryParseResult result;
    explicit PgQueryParse(const std::string& sql) : result(pg_query_parse(sql.c_str())) {}
    ~PgQueryParse() { pg_query_free_parse_result(result); }
    PgQueryParse(const PgQueryParse&) = delete;
    PgQueryParse& operator=(const PgQueryParse&) = delete;
};

// True when `statement` is a COPY that psql feeds from the script itself.
bool is_copy_from_stdin(std::string_view statement) {
    std::size_t first = skip_blank(statement, 0);
    if (to_lower(statement.substr(first, 4)) != "copy") {
        return false;
    }
    if (first + 4 < statement.size() && is_identifier_char(statement[first + 4])) {
        return false;
    }
    PgQueryParse parsed{std::string(statement)};
    if (parsed.result.error != nullptr) {
        return false;
    }
    auto tree = nlohmann::json::parse(parsed.result.parse_tree, nullptr, false);
    if (tree.is_discarded() || !tree.contains("stmts") || tree["stmts"].size() != 1) {
        return false;
    }
    const auto& stmt = tree["stmts"][0]["stmt"];
    if (!stmt.contains("CopyStmt")) {
        return false;
    }
    const auto& copy = stmt["CopyStmt"];
    return copy.value("is_from", false) && !copy.contains("filename") &&
           !copy.value("is_program", false);
}

bool is_harmless_meta_command(std::string_view name, std::string_view arguments) {
    // \restrict and \unrestrict open and close every pg_dump script since
    // PostgreSQL 13.22, 14.19, 15.14, 16.10 and 17.6.
    for (auto harmless : {"echo", "qecho", "warn", "timing", "pset", "restrict", "unrestrict"}) {
        if (name == harmless) {
            return true;
        }
    }
    if (name == "set" || name == "unset") {
        std::string variable = std::string(trim(arguments).substr(0, trim(arguments).find(' ')));
        for (auto psql_setting : {"ON_ERROR_STOP", "ECHO", "QUIET", "VERBOSITY", "SHOW_CONTEXT"}) {
            if (variable == psql_setting) {
                return true;
            }
        }
    }
    return false;
}

std::string meta_command_hint(std::string_view name) {
    if (name == "i" || name == "ir" || name == "include" || name == "include_relative") {
        return "ecluse runs each revision file on its own: put the included SQL in the revision";
    }
    if (name == "c" || name == "connect") {
        return "a revision runs on the database ecluse was given (-d): it cannot switch databases";
    }
    if (name == "copy") {
        return "use SQL `COPY ... FROM stdin` followed by the data and a `\\.` line";
    }
    return "ecluse runs SQL, not psql: only \\echo, \\qecho, \\warn, \\timing, \\pset, "
           "\\restrict, \\unrestrict and \\set ON_ERROR_STOP|ECHO|QUIET|VERBOSITY|SHOW_CONTEXT "
           "are accepted (and ignored)";
}

// The most SQL given to the parser at once, unless one statement is longer.
constexpr std::size_t k_parse_window = 1024 * 1024;

class Splitter {
public:
    Splitter(std::string_view text, const SourceLocation& start, MetaCommands accepted)
        : m_text(text), m_clean(text), m_start(start), m_accepted(accepted), m_lines(text) {}

    std::vector<Statement> run() {
        std::size_t chunk_start = 0;
        std::size_t statement_start = 0;
        int parens = 0;
        std::size_t pos = 0;
        while (pos < m_text.size()) {
            char c = m_text[pos];
            if (c == '-' || c == '/') {
                std::size_t after = skip_blank(m_text, pos);
                pos = after > pos ? after : pos + 1;
            } else if (c == '\'' || c == '"' || c == '$') {
                pos = skip_token(m_text, pos);
            } else if (c == '(') {
                ++parens;
                ++pos;
            } else if (c == ')') {
                parens = parens > 0 ? parens - 1 : 0;
                ++pos;
            } else if (c == ';' && parens == 0) {
                m_cuts.push_back(pos + 1);
                // Read with the harmless meta-commands blanked out, so that a
                // COPY right after `\set ON_ERROR_STOP on` is still a COPY.
                std::string_view statement =
                    std::string_view(m_clean).substr(statement_start, pos - statement_start);
                ++pos;
                if (is_copy_from_stdin(statement)) {
                    split_chunk(chunk_start, pos);
                    pos = read_copy_data(statement_start, pos);
                    chunk_start = pos;
                }
                statement_start = pos;
            } else if (c == '\\') {
                pos = meta_command(pos, chunk_start, statement_start);
            } else {
                ++pos;
            }
        }
        split_chunk(chunk_start, m_text.size());
        return std::move(m_statements);
    }

private:
    SourceLocation location_at(std::size_t offset) {
        LineColumn at = m_lines.at(offset);
        SourceLocation location = m_start;
        location.line = m_start.line + at.line - 1;
        location.column = at.line == 1 ? m_start.column + at.column - 1 : at.column;
        return location;
    }

    // Blanks a harmless meta-command out of the SQL (keeping offsets), or
    // refuses it. Returns where scanning goes on.
    std::size_t meta_command(std::size_t pos, std::size_t chunk_start,
                             std::size_t statement_start) {
        std::size_t name_end = pos + 1;
        while (name_end < m_text.size() && !is_space(m_text[name_end]) &&
               m_text[name_end] != '\\') {
            ++name_end;
        }
        std::size_t line_end = m_text.find('\n', pos);
        if (line_end == std::string_view::npos) {
            line_end = m_text.size();
        }
        std::string_view name = m_text.substr(pos + 1, name_end - pos - 1);
        std::string_view arguments = m_text.substr(name_end, line_end - name_end);
        bool accepted = m_accepted == MetaCommands::harmless
                            ? is_harmless_meta_command(name, arguments)
                            : name == "restrict" || name == "unrestrict";
        if (!accepted) {
            // A syntax error in the statements before comes first: a COPY
            // with a typo makes its data lines (`\.`, `\N`) look like
            // meta-commands.
            split_chunk(chunk_start, statement_start);
            throw InputError(location_at(pos),
                             "psql meta-command `\\" + std::string(name) + "` is not supported",
                             m_accepted == MetaCommands::harmless
                                 ? meta_command_hint(name)
                                 : "a data-only dump holds no psql meta-command but pg_dump's "
                                   "\\restrict and \\unrestrict lines: remove this line");
        }
        std::fill(m_clean.begin() + static_cast<std::ptrdiff_t>(pos),
                  m_clean.begin() + static_cast<std::ptrdiff_t>(line_end), ' ');
        return line_end;
    }

    // Reads the data lines after a COPY ... FROM stdin up to its `\.` line;
    // returns the offset just after that line.
    std::size_t read_copy_data(std::size_t statement_start, std::size_t after_semicolon) {
        std::size_t line_start = m_text.find('\n', after_semicolon);
        std::size_t first_line =
            line_start == std::string_view::npos ? m_text.size() : line_start + 1;
        std::string data;
        while (line_start != std::string_view::npos && line_start < m_text.size()) {
            ++line_start;
            std::size_t line_end = m_text.find('\n', line_start);
            std::size_t next = line_end == std::string_view::npos ? m_text.size() : line_end;
            std::string_view line = m_text.substr(line_start, next - line_start);
            if (!line.empty() && line.back() == '\r') {
                line.remove_suffix(1);
            }
            if (line == "\\.") {
                m_statements.back().copy_data = std::move(data);
                m_statements.back().copy_data_line = location_at(first_line).line;
                return next;
            }
            data += line;
            data += '\n';
            line_start = line_end;
        }
        throw InputError(location_at(skip_blank(m_clean, statement_start)),
                         "the data of this `COPY ... FROM stdin` has no terminating `\\.` line",
                         "end the data block with a line holding only `\\.`, as pg_dump does");
    }

    // Splits [begin, end) with PostgreSQL's parser. The parser keeps the
    // tree of all it is given, many times the size of the text: a long
    // chunk goes to it a window at a time, cut after a `;` the scan found.
    // A window the parser refuses (cut inside a BEGIN ATOMIC body, or a
    // syntax error) grows to a later cut, up to the chunk's end, where an
    // error is reported.
    void split_chunk(std::size_t begin, std::size_t end) {
        std::size_t window = k_parse_window;
        while (begin < end) {
            std::size_t piece_end = end;
            if (end - begin > window) {
                auto cut = std::lower_bound(m_cuts.begin(), m_cuts.end(), begin + window);
                piece_end = cut != m_cuts.end() && *cut < end ? *cut : end;
            }
            if (split_piece(begin, piece_end, piece_end == end)) {
                begin = piece_end;
                window = k_parse_window;
            } else {
                window *= 2;
            }
        }
    }

    // Splits [begin, end); returns false, having kept nothing, when the
    // parser refuses it and it is not the `last` piece of its chunk.
    bool split_piece(std::size_t begin, std::size_t end, bool last) {
        std::string chunk = m_clean.substr(begin, end - begin);
        if (trim(chunk).empty()) {
            return true;
        }
        PgQuerySplitResult result = pg_query_split_with_parser(chunk.c_str());
        std::unique_ptr<PgQuerySplitResult, void (*)(PgQuerySplitResult*)> guard(
            &result, [](PgQuerySplitResult* r) { pg_query_free_split_result(*r); });
        if (result.error != nullptr && !last) {
            return false;
        }
        if (result.error != nullptr) {
            std::size_t cursor = result.error->cursorpos > 0
                                     ? utf8_offset(chunk, result.error->cursorpos - 1)
                                     : skip_blank(chunk, 0);
            if (cursor >= chunk.size()) {
                // "at end of input": where the SQL stops, not the line after
                // it (in a section, that is the next marker's line).
                cursor = end_of_last_token(chunk);
            }
            throw InputError(location_at(begin + cursor), result.error->message,
                             "fix the SQL at this position; ecluse parses it with PostgreSQL " +
                                 std::string(PG_MAJORVERSION) + "'s own parser");
        }
        for (int i = 0; i < result.n_stmts; ++i) {
            std::size_t from = static_cast<std::size_t>(result.stmts[i]->stmt_location);
            std::size_t length = static_cast<std::size_t>(result.stmts[i]->stmt_len);
            std::size_t to = length == 0 ? chunk.size() : std::min(chunk.size(), from + length);
            std::size_t first = skip_blank(chunk, from);
            if (first >= to) {
                continue;
            }
            std::string_view sql = std::string_view(chunk).substr(first, to - first);
            sql = sql.substr(0, end_of_last_token(sql));
            if (sql.empty()) {
                continue;
            }
            m_statements.push_back({std::string(sql), location_at(begin + first), std::nullopt});
        }
        return true;
    }

    std::string_view m_text;
    // m_text with the harmless meta-commands found so far blanked out with
    // spaces, so that offsets stay the same; what the parser gets.
    std::string m_clean;
    SourceLocation m_start;
    MetaCommands m_accepted;
    // Statements are located in file order: one pass over the text in all.
    LineCounter m_lines;
    // The offset after each `;` outside parentheses, quotes and comments:
    // where split_chunk may cut.
    std::vector<std::size_t> m_cuts;
    std::vector<Statement> m_statements;
};

} // namespace

std::vector<Statement> split_statements(std::string_view text, const SourceLocation& start,
                                        MetaCommands accepted) {
    SourceLocation origin = start;
    origin.line = origin.line > 0 ? origin.line : 1;
    origin.column = origin.column > 0 ? origin.column : 1;
    // PostgreSQL's parser reads C strings: a NUL byte would end the SQL
    // there and silently drop the rest, so it is refused, as are bytes that
    // are not UTF-8.
    std::size_t nul = text.find('\0');
    auto invalid = find_invalid_utf8(text);
    if (nul != std::string_view::npos || invalid) {
        std::size_t offset = std::min(nul, invalid.value_or(std::string_view::npos));
        LineColumn at = line_column_at(text, offset);
        SourceLocation where = origin;
        where.line += at.line - 1;
        where.column = at.line == 1 ? origin.column + at.column - 1 : at.column;
        throw InputError(
            where, offset == nul ? "a NUL byte in the SQL" : "bytes that are not UTF-8 in the SQL",
            "revision files are UTF-8 text; remove the byte or re-save the file as UTF-8");
    }
    return Splitter(text, origin, accepted).run();
}

std::string transaction_control_name(std::string_view kind) {
    static const std::pair<std::string_view, const char*> k_controls[] = {
        {"TRANS_STMT_BEGIN", "BEGIN"},
        {"TRANS_STMT_START", "START TRANSACTION"},
        {"TRANS_STMT_COMMIT", "COMMIT"},
        {"TRANS_STMT_ROLLBACK", "ROLLBACK"},
        {"TRANS_STMT_PREPARE", "PREPARE TRANSACTION"},
        {"TRANS_STMT_COMMIT_PREPARED", "COMMIT PREPARED"},
        {"TRANS_STMT_ROLLBACK_PREPARED", "ROLLBACK PREPARED"}};
    for (const auto& [name, control] : k_controls) {
        if (kind == name) {
            return control;
        }
    }
    return {};
}

void refuse_transaction_control(const RevisionFile& revision,
                                const std::vector<Statement>& statements) {
    if (revision.transaction == TransactionMode::none) {
        return;
    }
    for (const Statement& statement : statements) {
        // Only a statement whose first word can start transaction control
        // is parsed again.
        std::string sql = statement.sql;
        std::string first = to_lower(sql.substr(0, sql.find_first_of(" \t\r\n;(")));
        if (first != "begin" && first != "start" && first != "commit" && first != "end" &&
            first != "rollback" && first != "abort" && first != "prepare") {
            continue;
        }
        PgQueryParse parsed{sql};
        if (parsed.result.error != nullptr) {
            continue;
        }
        auto tree = nlohmann::json::parse(parsed.result.parse_tree, nullptr, false);
        if (tree.is_discarded() || !tree.contains("stmts")) {
            continue;
        }
        for (const auto& item : tree["stmts"]) {
            const auto& stmt = item.value("stmt", nlohmann::json::object());
            if (!stmt.contains("TransactionStmt")) {
                continue;
            }
            std::string control =
                transaction_control_name(stmt["TransactionStmt"].value("kind", std::string()));
            if (!control.empty()) {
                throw InputError(statement.location,
                                 control + " in revision " + revision.revision +
                                     ", which runs in one transaction with its bookkeeping: it "
                                     "would end that transaction behind ecluse's back",
                                 "remove it, or mark the revision `-- transaction: none` to run "
                                 "its statements one by one outside a transaction");
            }
        }
    }
}

std::vector<Statement> split_section(const RevisionFile& revision, const Section& section) {
    require_sections(revision);
    if (!section.present) {
        return {};
    }
    return split_statements(section.text, SourceLocation{revision.path, section.first_line, 1});
}

} // namespace ecluse
