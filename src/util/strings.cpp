#include "util/strings.hpp"

#include "util/error.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace ecluse {

std::string_view trim(std::string_view text) {
    const char* spaces = " \t\r\n\f\v";
    auto begin = text.find_first_not_of(spaces);
    if (begin == std::string_view::npos) {
        return {};
    }
    auto end = text.find_last_not_of(spaces);
    return text.substr(begin, end - begin + 1);
}

std::string to_lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) {
        return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    });
    return out;
}

std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        auto end = text.find(separator, start);
        parts.emplace_back(text.substr(start, end - start));
        if (end == std::string_view::npos) {
            return parts;
        }
        start = end + 1;
    }
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
    std::string out;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (i > 0) {
            out += separator;
        }
        out += parts[i];
    }
    return out;
}

std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\n' || text[i] == '\r') {
            lines.push_back(text.substr(start, i - start));
            if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
            start = i + 1;
        }
    }
    if (start < text.size()) {
        lines.push_back(text.substr(start));
    }
    return lines;
}

std::string normalize_line_endings(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\r') {
            out += '\n';
            if (i + 1 < text.size() && text[i + 1] == '\n') {
                ++i;
            }
        } else {
            out += text[i];
        }
    }
    return out;
}

std::string slugify(std::string_view text, std::size_t max_length) {
    std::string out;
    for (char raw : text) {
        char c = raw >= 'A' && raw <= 'Z' ? static_cast<char>(raw - 'A' + 'a') : raw;
        bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (keep) {
            out += c;
        } else if (!out.empty() && out.back() != '_') {
            out += '_';
        }
    }
    if (out.size() > max_length) {
        // Cut at the last word boundary that fits, so that a name does not
        // end mid-word; a single long word is cut where it must be.
        std::size_t boundary = out.rfind('_', max_length);
        out.resize(boundary != std::string::npos && boundary > 0 ? boundary : max_length);
    }
    while (!out.empty() && out.back() == '_') {
        out.pop_back();
    }
    return out;
}

bool is_lower_hex(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    });
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) {
        row[j] = j;
    }
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = above;
        }
    }
    return row[b.size()];
}

static bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

std::size_t utf8_offset(std::string_view text, std::size_t n) {
    std::size_t seen = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (!is_continuation(text[i])) {
            if (seen == n) {
                return i;
            }
            ++seen;
        }
    }
    return text.size();
}

namespace {

// `at` moved from offset `from` to offset `to` of `text`.
LineColumn advance(std::string_view text, std::size_t from, std::size_t to, LineColumn at) {
    for (std::size_t i = from; i < to; ++i) {
        // The same line breaks as split_lines: "\n", "\r\n" and a lone "\r".
        bool crlf = text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n';
        if (text[i] == '\n' || (text[i] == '\r' && !crlf)) {
            ++at.line;
            at.column = 1;
        } else if (!is_continuation(text[i]) && text[i] != '\r') {
            ++at.column;
        }
    }
    return at;
}

} // namespace

LineColumn line_column_at(std::string_view text, std::size_t offset) {
    return advance(text, 0, std::min(offset, text.size()), LineColumn{});
}

LineColumn LineCounter::at(std::size_t offset) {
    offset = std::min(offset, m_text.size());
    if (offset < m_offset) {
        m_offset = 0;
        m_at = LineColumn{};
    }
    m_at = advance(m_text, m_offset, offset, m_at);
    m_offset = offset;
    return m_at;
}

std::vector<std::string> split_command_words(std::string_view command) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < command.size(); ++i) {
        char c = command[i];
        if (c == ' ' || c == '\t' || c == '\n') {
            if (in_word) {
                words.push_back(std::move(word));
                word.clear();
                in_word = false;
            }
            continue;
        }
        if (c == '\\' && i + 1 < command.size() && command[i + 1] == '\n') {
            ++i; // a line continuation
            continue;
        }
        in_word = true;
        if (c == '\\') {
            if (++i == command.size()) {
                throw UsageError("the command " + quote_value(command) + " ends with a backslash",
                                 "escape it (\\\\) or quote it");
            }
            word += command[i];
        } else if (c == '\'') {
            std::size_t end = command.find('\'', i + 1);
            if (end == std::string_view::npos) {
                throw UsageError("the command " + quote_value(command) +
                                     " has a single quote that is never closed",
                                 "close it, or escape it (\\')");
            }
            word.append(command.substr(i + 1, end - i - 1));
            i = end;
        } else if (c == '"') {
            for (++i;; ++i) {
                if (i >= command.size()) {
                    throw UsageError("the command " + quote_value(command) +
                                         " has a double quote that is never closed",
                                     "close it, or escape it (\\\")");
                }
                char d = command[i];
                if (d == '"') {
                    break;
                }
                if (d == '\\' && i + 1 < command.size() &&
                    std::string_view("$`\"\\\n").find(command[i + 1]) != std::string_view::npos) {
                    if (command[++i] != '\n') {
                        word += command[i];
                    }
                } else {
                    word += d;
                }
            }
        } else {
            word += c;
        }
    }
    if (in_word) {
        words.push_back(std::move(word));
    }
    return words;
}

std::string quote_value(std::string_view text) {
    std::string out = "\"";
    for (char c : printable(text)) {
        out += c == '"' ? std::string_view("\\\"") : std::string_view(&c, 1);
    }
    return out + "\"";
}

std::optional<std::size_t> find_invalid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = static_cast<unsigned char>(text[i]);
        std::size_t length = byte < 0x80           ? 1
                             : (byte >> 5) == 0x6  ? 2
                             : (byte >> 4) == 0xE  ? 3
                             : (byte >> 3) == 0x1E ? 4
                                                   : 0;
        if (length == 0 || i + length > text.size()) {
            return i;
        }
        std::uint32_t code = length == 1 ? byte : byte & (0x7F >> length);
        for (std::size_t k = 1; k < length; ++k) {
            auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) {
                return i;
            }
            code = (code << 6) | (next & 0x3F);
        }
        bool overlong = (length == 2 && code < 0x80) || (length == 3 && code < 0x800) ||
                        (length == 4 && code < 0x10000);
        if (overlong || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return i;
        }
        i += length;
    }
    return std::nullopt;
}

void append_escaped(std::string& out, std::string_view text) {
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
        // The run up to the next backslash in one append (lint records
        // in the revision cache are kilobytes with a few escapes).
        std::size_t slash = text.find('\\', i);
        out.append(text.substr(i, slash - i));
        if (slash == std::string_view::npos) {
            break;
        }
        i = slash;
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

} // namespace ecluse

namespace ecluse {

namespace {

bool is_control(unsigned char c) {
    return c < 0x20 || c == 0x7f;
}

} // namespace

std::optional<std::string> text_problem(std::string_view text, bool allow_tab) {
    for (char c : text) {
        if (is_control(static_cast<unsigned char>(c)) && !(allow_tab && c == '\t')) {
            return "a control character";
        }
    }
    if (find_invalid_utf8(text)) {
        return "bytes that are not UTF-8";
    }
    return std::nullopt;
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    auto append_hex = [&out](char c) {
        char buffer[8];
        std::snprintf(buffer, sizeof buffer, "\\x%02x", static_cast<unsigned char>(c));
        out += buffer;
    };
    std::size_t i = 0;
    while (i < text.size()) {
        // The well-formed UTF-8 from here: backslash and line breaks as the
        // cache escapes them, other control characters in hex.
        std::string_view rest = text.substr(i);
        std::size_t valid = find_invalid_utf8(rest).value_or(rest.size());
        for (char c : rest.substr(0, valid)) {
            bool escaped = c == '\\' || c == '\n' || c == '\r' || c == '\t';
            if (!escaped && is_control(static_cast<unsigned char>(c))) {
                append_hex(c);
            } else {
                append_escaped(out, std::string_view(&c, 1));
            }
        }
        i += valid;
        if (i < text.size()) {
            append_hex(text[i]); // a byte that is not UTF-8
            ++i;
        }
    }
    return out;
}

} // namespace ecluse

namespace ecluse {

std::vector<std::string> wrap_words(std::string_view text, std::size_t width) {
    std::vector<std::string> lines;
    std::string line;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t start = text.find_first_not_of(" \t\n", at);
        if (start == std::string_view::npos) {
            break;
        }
        std::size_t end = std::min(text.find_first_of(" \t\n", start), text.size());
        std::string_view word = text.substr(start, end - start);
        if (!line.empty() && line.size() + 1 + word.size() > width) {
            lines.push_back(std::move(line));
            line.clear();
        }
        line += line.empty() ? "" : " ";
        line += word;
        at = end;
    }
    if (!line.empty()) {
        lines.push_back(std::move(line));
    }
    return lines;
}

} // namespace ecluse
