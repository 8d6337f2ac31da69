#pragma once

// Settings and their precedence: flags, then ECLUSE_* environment
// variables, then the project's ecluse.toml, then defaults.

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ecluse {

enum class OutputFormat { text, json, github };

// ecluse.toml's [lint] table: lint rule ids (or families) switched on or
// off for the project; the lint library checks the ids.
struct LintSettings {
    std::vector<std::string> enable;
    std::vector<std::string> disable;
    std::string file;     // the settings file, for errors
    int enable_line = 0;  // line of `enable`; 0 when absent
    int disable_line = 0; // line of `disable`; 0 when absent
};

// ecluse.toml's [deploy] table: what `deploy` uses when --hook and
// --hook-timeout are not given.
struct DeploySettings {
    std::optional<std::string> hook;         // a command line, split as --hook is
    std::optional<std::string> hook_timeout; // a duration, as --hook-timeout takes
    std::string file;                        // the settings file, for errors
    int hook_line = 0;                       // 0 when absent
    int hook_timeout_line = 0;
};

struct Settings {
    std::filesystem::path root = ".";        // the project root (-C)
    std::optional<std::string> database_url; // nullopt: libpq's own PG* defaults
    OutputFormat format = OutputFormat::text;
    int verbosity = 0;                     // -1 quiet, 0 normal, 1+ verbose
    std::string lock_timeout = "5s";       // per migration
    std::string statement_timeout = "60s"; // per migration
    std::string lock_wait = "60s";         // waiting for another ecluse
    std::string schema = "ecluse";         // ecluse's bookkeeping tables
    LintSettings lint;                     // from ecluse.toml only
    DeploySettings deploy;                 // from ecluse.toml only
    bool cache = true; // the revision header cache; ECLUSE_NO_CACHE=1 turns it off
};

inline constexpr std::string_view k_settings_file_name = "ecluse.toml";

// Values given on the command line, by setting name ("database_url",
// "format", "lock_timeout", ...). `root` and `verbosity` are set directly.
using SettingValues = std::map<std::string, std::string>;

// Reads an environment variable; nullopt when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_environment(const std::string& name);

// Merges the sources. Throws UsageError for a bad value in a flag or an
// ECLUSE_* variable (naming the variable) and InputError (naming
// ecluse.toml and its line) for a malformed settings file.
Settings load_settings(const std::filesystem::path& root, int verbosity, const SettingValues& flags,
                       const EnvironmentLookup& environment = process_environment);

// Parses ecluse.toml's content into setting values; throws InputError at
// file:line for bad TOML, an unknown key, a value of the wrong type or an
// unknown output format. The [lint] and [deploy] tables are accepted and
// left to their readers.
SettingValues parse_settings_file(const std::string& content, const std::string& path);

// Reads the [lint] table of ecluse.toml's content: `enable` and `disable`,
// arrays of strings. Throws InputError at file:line for another key or a
// value of the wrong type.
LintSettings parse_lint_settings(const std::string& content, const std::string& path);

// Reads the [deploy] table of ecluse.toml's content: `hook` and
// `hook_timeout`, strings. Throws InputError at file:line for another key
// or a value of the wrong type.
DeploySettings parse_deploy_settings(const std::string& content, const std::string& path);

OutputFormat parse_output_format(const std::string& text);

} // namespace ecluse
