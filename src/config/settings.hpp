#pragma once

// Settings and their precedence: flags, then ECLUSE_* environment
// variables, then the project's ecluse.toml, then defaults.

#include "util/time.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ecluse {

// `mermaid` is the revision graph as a Mermaid flowchart: `history` alone
// prints it. markdown: a GitHub-flavoured table, for the commands that list
// things (deploy --plan, lint, check, status). The others refuse both.
enum class OutputFormat { text, json, github, markdown, mermaid };

// ecluse.toml's [lint] table: lint rule ids (or families) switched on or
// off for the project, which the lint library checks, and the git ref
// `lint` compares with.
struct LintSettings {
    std::vector<std::string> enable;
    std::vector<std::string> disable;
    std::string base;     // empty: the integration branch (see `lint --base`)
    std::string file;     // the settings file, for errors
    int enable_line = 0;  // line of `enable`; 0 when absent
    int disable_line = 0; // line of `disable`; 0 when absent
};

// ecluse.toml's [deploy] table: what `deploy` uses when --hook and
// --hook-timeout are not given.
struct DeploySettings {
    std::optional<std::string> hook;      // a command line, split as --hook is
    std::optional<Duration> hook_timeout; // as --hook-timeout takes it
    std::string file;                     // the settings file, for errors
    int hook_line = 0;                    // 0 when absent
};

// ecluse.toml's [migrate] and [rebase] tables.
struct MigrateSettings {
    // Apply a revision left below applied ones by a merge (a hole) instead
    // of refusing, as --out-of-order does.
    bool out_of_order = false;
};
struct RebaseSettings {
    // The branch whose revisions `rebase` never moves; empty: the remote's
    // default branch, else main, else master.
    std::string integration_branch;
};

struct Settings {
    std::filesystem::path root = ".";        // the project root (-C)
    std::optional<std::string> database_url; // nullopt: libpq's own PG* defaults
    OutputFormat format = OutputFormat::text;
    int verbosity = 0;                                    // -1 quiet, 0 normal, 1+ verbose
    Duration lock_timeout{std::chrono::seconds(5)};       // per migration
    Duration statement_timeout{std::chrono::seconds(60)}; // per migration
    Duration lock_wait{std::chrono::seconds(60)};         // waiting for another ecluse
    // A line this often while a migration's statement runs longer; 0: none.
    Duration progress_interval{std::chrono::seconds(5)};
    std::string schema = "ecluse"; // ecluse's bookkeeping tables
    LintSettings lint;             // from ecluse.toml only
    DeploySettings deploy;         // from ecluse.toml only
    MigrateSettings migrate;       // from ecluse.toml only
    RebaseSettings rebase;         // from ecluse.toml only
    bool cache = true;             // the revision header cache; ECLUSE_NO_CACHE=1 turns it off
};

inline constexpr std::string_view k_settings_file_name = "ecluse.toml";

// Values given on the command line, by setting name ("database_url",
// "format", "lock_timeout", ...). `root` and `verbosity` are set directly.
using SettingValues = std::map<std::string, std::string>;

// Each setting an environment variable may set ("lock_timeout",
// "ECLUSE_LOCK_TIMEOUT"), for the settings and the man pages.
struct SettingSource {
    const char* name;
    const char* environment;
};
std::span<const SettingSource> setting_sources();

// Reads an environment variable; nullopt when unset.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string&)>;
std::optional<std::string> process_environment(const std::string& name);

// Merges the sources. Throws UsageError for a bad value in a flag or an
// ECLUSE_* variable (naming the flag or the variable) and InputError
// (naming ecluse.toml and its line) for a malformed settings file.
Settings load_settings(const std::filesystem::path& root, int verbosity, const SettingValues& flags,
                       const EnvironmentLookup& environment = process_environment);

// A top-level value of ecluse.toml, as text, with its line.
struct SettingsFileValue {
    std::string text;
    int line = 0;
};

// What ecluse.toml holds, read once.
struct SettingsFile {
    std::map<std::string, SettingsFileValue> values; // by setting name
    LintSettings lint;                               // its [lint] table
    DeploySettings deploy;                           // its [deploy] table
    MigrateSettings migrate;                         // its [migrate] table
    RebaseSettings rebase;                           // its [rebase] table
};

// Parses ecluse.toml's content; throws InputError at file:line for bad
// TOML, an unknown key or table, a value of the wrong type, an unknown
// output format or a malformed duration. [lint] takes `enable` and
// `disable`, arrays of strings (the lint library checks the ids), and
// `base`, a string; [deploy]
// takes `hook` and `hook_timeout`, strings.
SettingsFile parse_settings_file(const std::string& content, const std::string& path);

OutputFormat parse_output_format(const std::string& text);

// `text` as a Duration; throws UsageError naming `source` (a flag or an
// environment variable, "--hook-timeout") when it is not one.
Duration parse_duration_from(const std::string& text, const std::string& source);

} // namespace ecluse
