#pragma once

// Small string helpers with no ecluse concepts.

#include <algorithm>
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

std::string_view trim(std::string_view text);
std::string to_lower(std::string_view text);
std::vector<std::string> split(std::string_view text, char separator);
std::string join(const std::vector<std::string>& parts, std::string_view separator);

// Splits text into lines of at most `width` characters, at blanks only: a
// word longer than the width (a path, a URL) gets a line of its own rather
// than being cut. Runs of blanks collapse; no line is empty.
std::vector<std::string> wrap_words(std::string_view text, std::size_t width);

// Splits text into lines, dropping the line terminators ("\n", "\r\n" or a
// lone "\r"). A final line without terminator is kept; a trailing
// terminator does not produce an empty last line.
std::vector<std::string_view> split_lines(std::string_view text);

// Replaces "\r\n" and lone "\r" with "\n".
std::string normalize_line_endings(std::string_view text);

// Lowercase ASCII letters, digits and underscores from free text, at most
// `max_length` characters, cut at a word boundary when one fits:
// "Add booking amount!" -> "add_booking_amount".
std::string slugify(std::string_view text, std::size_t max_length = 40);

// Non-empty, and only 0-9 and a-f.
bool is_lower_hex(std::string_view text);

// The Levenshtein distance, for "did you mean" hints.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The byte offset of the first byte that does not belong to well-formed
// UTF-8 (overlong forms, surrogates and code points past U+10FFFF count as
// malformed), or nullopt when the whole text is well-formed.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// The byte offset of the `n`th code point (0-based) in text, or text.size().
std::size_t utf8_offset(std::string_view text, std::size_t n);

// Line and column (1-based, column in code points) of a byte offset.
struct LineColumn {
    int line = 1;
    int column = 1;
};
LineColumn line_column_at(std::string_view text, std::size_t offset);

// line_column_at for many offsets of one text: each call goes on from the
// offset before, so offsets asked in increasing order cost one pass over the
// text in all (a smaller offset starts again from the beginning).
class LineCounter {
public:
    explicit LineCounter(std::string_view text) : m_text(text) {}
    LineColumn at(std::size_t offset);

private:
    std::string_view m_text;
    std::size_t m_offset = 0; // where m_at is
    LineColumn m_at;
};

// Splits a command line into words the way a POSIX shell splits them, with
// no expansion of any kind: blanks separate words, 'single quotes' keep
// everything, "double quotes" keep everything but \\ before $ ` " \\ and a
// newline, and a backslash outside quotes keeps the next character.
// Throws UsageError for an unterminated quote or a trailing backslash.
std::vector<std::string> split_command_words(std::string_view command);

// Backslash escapes for one field of a tab-separated line of our own files:
// `\\`, `\t`, `\n` and `\r`, so that the field holds no tab or line break.
void append_escaped(std::string& out, std::string_view text);
// The inverse; nullopt for any other backslash sequence or a lone trailing one.
std::optional<std::string> unescape(std::string_view text);

// What makes text unfit for a file name or a header value, in words ("a
// control character", "bytes that are not UTF-8"), or nullopt when it is
// fine. NUL and DEL count as control characters; tab only unless allowed.
std::optional<std::string> text_problem(std::string_view text, bool allow_tab = false);

// Text as it can be shown on one line, on a terminal or in an SQL comment:
// backslash, line breaks and tab as \\, \n, \r and \t, other control
// characters and each byte that is not UTF-8 as \xHH.
std::string printable(std::string_view text);

// Wraps text in double quotes for messages: printable(), with `"` as `\"`.
std::string quote_value(std::string_view text);

} // namespace ecluse
