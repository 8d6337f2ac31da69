#pragma once

// Diagnostics on stderr for `-v` (what ecluse does: connections, locks,
// each statement with its duration) behind a light header, so that spdlog
// stays out of the headers everyone includes. Errors are not logged here:
// main prints them once. Messages are built only when they will be shown:
// test `log::verbose()` before building an expensive one.

#include <string>

namespace ecluse::log {

// -1 for -q (warnings only), 0 by default, 1 or more for -v.
void set_verbosity(int verbosity);
// Whether debug() prints anything (-v).
bool verbose();

// Under -v only.
void debug(const std::string& message);
// Unless -q.
void info(const std::string& message);
// Always.
void warn(const std::string& message);

// `sql` on one line, whitespace collapsed, cut to about `width` characters:
// how a statement is shown in diagnostics.
std::string one_line(const std::string& sql, std::size_t width = 100);

} // namespace ecluse::log
