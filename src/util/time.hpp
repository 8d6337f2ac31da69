#pragma once

#include <chrono>
#include <string>
#include <string_view>

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

} // namespace ecluse
