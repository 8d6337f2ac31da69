#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace ecluse {

using SystemTime = std::chrono::system_clock::time_point;

// "2026-11-22T14:30:00Z"
std::string format_iso8601_utc(SystemTime when);

// "20261122T143000", the prefix of revision file names.
std::string format_compact_utc(SystemTime when);

// Accepts "YYYY-MM-DDTHH:MM:SSZ" (optionally with fractional seconds or a
// "+00:00" offset); false when the text is not such a timestamp or names a
// date or time that does not exist (2026-02-30, 24:00:00).
bool is_iso8601_utc(std::string_view text);

// Milliseconds since `since` on the steady clock.
double elapsed_ms(std::chrono::steady_clock::time_point since);

// A length of time, written as PostgreSQL writes one for its settings
// (lock_timeout, statement_timeout): a number, an optional space and a unit
// among us, ms, s, min, h and d ("5s", "250 ms", "1.5min", "1d"). A bare
// number is refused, since PostgreSQL would read it in the setting's own
// unit, except 0 (no limit). Flags, ECLUSE_* variables, ecluse.toml and
// revision headers all use this one grammar.
class Duration {
public:
    constexpr Duration() = default;
    constexpr explicit Duration(std::chrono::milliseconds value) : m_value(value) {}

    // nullopt when `text` is not a duration, or one too long to hold.
    static std::optional<Duration> parse(std::string_view text);

    constexpr std::chrono::milliseconds value() const { return m_value; }
    // In seconds when it is a whole number of them, else in milliseconds:
    // "5s", "120s", "1500ms", "0". Parses back to the same duration.
    std::string to_string() const;
    // As a PostgreSQL setting's value, quoted by the caller: to_string().
    std::string to_sql() const;

    friend constexpr bool operator==(Duration, Duration) = default;

private:
    std::chrono::milliseconds m_value{0};
};

// What a duration looks like, for the hint of an error about one.
inline constexpr std::string_view k_duration_hint =
    "write a number and a unit: us, ms, s, min, h or d (5s, 500ms, 2min); 0 means no limit";

} // namespace ecluse
