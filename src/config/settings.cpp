#include "config/settings.hpp"

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

#include <toml.hpp>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <sstream>
#include <utility>

namespace ecluse {

namespace {

constexpr std::array<SettingSource, 7> k_sources = {{
    {"database_url", "ECLUSE_DATABASE_URL"},
    {"format", "ECLUSE_FORMAT"},
    {"lock_timeout", "ECLUSE_LOCK_TIMEOUT"},
    {"statement_timeout", "ECLUSE_STATEMENT_TIMEOUT"},
    {"lock_wait", "ECLUSE_LOCK_WAIT"},
    {"progress_interval", "ECLUSE_PROGRESS_INTERVAL"},
    {"schema", "ECLUSE_SCHEMA"},
}};

// Tables that later parts of ecluse read (lint rules); accepted here.
constexpr std::array<const char*, 4> k_known_tables = {"lint", "deploy", "migrate", "rebase"};

// What the settings file may hold, for hints.
const char* k_settings_list =
    "the settings are database_url, format, lock_timeout, "
    "statement_timeout, lock_wait, progress_interval and schema, and the tables [lint], "
    "[deploy], [migrate] and [rebase]";

// toml11's message without its "[error] toml::function: " prefix and the
// source excerpt that follows the first line (the location says where).
std::string toml_message(const std::string& what) {
    std::string_view text = what;
    text = text.substr(0, text.find('\n'));
    if (text.substr(0, 8) == "[error] ") {
        text.remove_prefix(8);
    }
    if (text.substr(0, 6) == "toml::") {
        if (auto colon = text.find(": "); colon != std::string_view::npos) {
            text.remove_prefix(colon + 2);
        }
    }
    return std::string(trim(text));
}

// Every output format, by the name --format and ecluse.toml give.
constexpr std::array<std::pair<std::string_view, OutputFormat>, 5> k_output_formats = {{
    {"text", OutputFormat::text},
    {"json", OutputFormat::json},
    {"github", OutputFormat::github},
    {"markdown", OutputFormat::markdown},
    {"mermaid", OutputFormat::mermaid},
}};

std::optional<OutputFormat> find_output_format(std::string_view text) {
    for (const auto& [name, format] : k_output_formats) {
        if (name == text) {
            return format;
        }
    }
    return std::nullopt;
}

bool is_output_format(const std::string& text) {
    return find_output_format(text).has_value();
}

const char* k_output_format_hint = "use text, json, github, markdown or mermaid (history only)";

std::string closest_setting(const std::string& key) {
    std::string best;
    std::size_t best_distance = 4;
    for (const auto& source : k_sources) {
        std::size_t distance = edit_distance(key, source.name);
        if (distance < best_distance) {
            best_distance = distance;
            best = source.name;
        }
    }
    return best;
}

} // namespace

std::span<const SettingSource> setting_sources() {
    return k_sources;
}

std::optional<std::string> process_environment(const std::string& name) {
    // Empty is unset: CI systems give an empty string for a missing secret,
    // and an empty ECLUSE_DATABASE_URL must not hide DATABASE_URL.
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    return std::string(value);
}

OutputFormat parse_output_format(const std::string& text) {
    if (auto format = find_output_format(text)) {
        return *format;
    }
    throw UsageError("unknown output format " + quote_value(text), k_output_format_hint);
}

namespace {

// How deep arrays and inline tables may nest in ecluse.toml. toml11 parses
// them by recursion, and a file nested 10,000 deep overflows the stack:
// ecluse's own settings need three levels.
constexpr int k_max_toml_nesting = 100;

// The offset of the first `[` or `{` that opens a level past
// k_max_toml_nesting, counting only those outside strings and comments;
// nullopt when there is none. A cheap scan, not a parser: what it gets
// wrong in a malformed file toml11 refuses anyway.
std::optional<std::size_t> find_too_deep(std::string_view text) {
    int depth = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '#') {
            i = std::min(text.find('\n', i), text.size());
        } else if (c == '"' || c == '\'') {
            bool multi_line = text.compare(i, 3, std::string(3, c)) == 0;
            bool escapes = c == '"';
            i += multi_line ? 3 : 1;
            for (; i < text.size(); ++i) {
                if (escapes && text[i] == '\\') {
                    ++i;
                } else if (!multi_line && text[i] == '\n') {
                    break; // an unterminated string: toml11 says so
                } else if (text[i] == c &&
                           (!multi_line || text.compare(i, 3, std::string(3, c)) == 0)) {
                    if (multi_line) {
                        // """a"""" ends with one quote in the string: the
                        // last three of up to five quotes close it.
                        std::size_t run = 0;
                        while (i + run < text.size() && text[i + run] == c && run < 5) {
                            ++run;
                        }
                        i += run - 1;
                    }
                    break;
                }
            }
        } else if (c == '[' || c == '{') {
            if (++depth > k_max_toml_nesting) {
                return i;
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
        }
    }
    return std::nullopt;
}

const char* k_lint_keys_hint = "[lint] takes `enable` and `disable`, lists of rule ids such as "
                               "[\"locking-lock-table\"] (`ecluse lint --rules` lists them), and "
                               "`base`, the git branch to compare with, such as \"origin/main\"";

LintSettings read_lint_table(const toml::table& table, const std::string& path) {
    LintSettings lint;
    lint.file = path;
    for (const auto& [key, value] : table) {
        int line = static_cast<int>(value.location().line());
        if (key == "base") {
            if (!value.is_string() || value.as_string().str.empty()) {
                throw InputError(SourceLocation{path, line},
                                 "[lint] `base` must be a git branch or commit",
                                 "for example base = \"origin/main\"");
            }
            lint.base = value.as_string().str;
            continue;
        }
        if (key != "enable" && key != "disable") {
            throw InputError(SourceLocation{path, line}, "unknown [lint] setting `" + key + "`",
                             k_lint_keys_hint);
        }
        std::vector<std::string> ids;
        bool strings = value.is_array();
        for (std::size_t i = 0; strings && i < value.as_array().size(); ++i) {
            strings = value.as_array()[i].is_string();
            if (strings) {
                ids.push_back(value.as_array()[i].as_string().str);
            }
        }
        if (!strings) {
            throw InputError(SourceLocation{path, line},
                             "[lint] `" + key + "` must be a list of rule ids",
                             "for example " + key + " = [\"conventions\", \"locking-lock-table\"]");
        }
        (key == "enable" ? lint.enable : lint.disable) = std::move(ids);
        (key == "enable" ? lint.enable_line : lint.disable_line) = line;
    }
    return lint;
}

DeploySettings read_deploy_table(const toml::table& table, const std::string& path) {
    DeploySettings deploy;
    deploy.file = path;
    for (const auto& [key, value] : table) {
        SourceLocation where{path, static_cast<int>(value.location().line())};
        if (key != "hook" && key != "hook_timeout") {
            throw InputError(where, "unknown [deploy] setting `" + key + "`",
                             "[deploy] takes `hook` (the command that deploys the code, as "
                             "--hook takes it) and `hook_timeout` (a duration such as \"30min\")");
        }
        if (!value.is_string()) {
            throw InputError(where, "[deploy] `" + key + "` must be a string",
                             key == "hook" ? "for example hook = \"./deploy/rollout.sh --wait\""
                                           : "for example hook_timeout = \"15min\"");
        }
        const std::string& text = value.as_string().str;
        if (key == "hook") {
            deploy.hook = text;
            deploy.hook_line = where.line;
        } else if (auto duration = Duration::parse(text)) {
            deploy.hook_timeout = *duration;
        } else {
            throw InputError(where, "[deploy] hook_timeout: invalid duration " + quote_value(text),
                             std::string(k_duration_hint));
        }
    }
    return deploy;
}

MigrateSettings read_migrate_table(const toml::table& table, const std::string& path) {
    MigrateSettings migrate;
    for (const auto& [key, value] : table) {
        SourceLocation where{path, static_cast<int>(value.location().line())};
        if (key != "out_of_order") {
            throw InputError(where, "unknown [migrate] setting `" + key + "`",
                             "[migrate] takes `out_of_order` (true or false)");
        }
        if (!value.is_boolean()) {
            throw InputError(where, "[migrate] `out_of_order` must be true or false",
                             "for example out_of_order = true (no quotes)");
        }
        migrate.out_of_order = value.as_boolean();
    }
    return migrate;
}

RebaseSettings read_rebase_table(const toml::table& table, const std::string& path) {
    RebaseSettings rebase;
    for (const auto& [key, value] : table) {
        SourceLocation where{path, static_cast<int>(value.location().line())};
        if (key != "integration_branch") {
            throw InputError(where, "unknown [rebase] setting `" + key + "`",
                             "[rebase] takes `integration_branch` (a git branch, such as "
                             "\"main\" or \"origin/develop\")");
        }
        if (!value.is_string() || value.as_string().str.empty()) {
            throw InputError(where, "[rebase] `integration_branch` must be a branch name",
                             "for example integration_branch = \"origin/main\"");
        }
        rebase.integration_branch = value.as_string().str;
    }
    return rebase;
}

bool is_duration_setting(const std::string& name) {
    return name == "lock_timeout" || name == "statement_timeout" || name == "lock_wait" ||
           name == "progress_interval";
}

} // namespace

Duration parse_duration_from(const std::string& text, const std::string& source) {
    if (auto parsed = Duration::parse(text)) {
        return *parsed;
    }
    throw UsageError(source + ": invalid duration " + quote_value(text),
                     std::string(k_duration_hint));
}

SettingsFile parse_settings_file(const std::string& content, const std::string& path) {
    // TOML is UTF-8, and toml11 3.7 reads past its buffer on malformed
    // UTF-8: refuse it first.
    if (auto invalid = find_invalid_utf8(content)) {
        throw InputError(SourceLocation{path, line_column_at(content, *invalid).line},
                         "not valid TOML: bytes that are not UTF-8", "save the file as UTF-8");
    }
    if (auto deep = find_too_deep(content)) {
        throw InputError(SourceLocation{path, line_column_at(content, *deep).line},
                         "not valid TOML: nested deeper than " +
                             std::to_string(k_max_toml_nesting) + " arrays or inline tables",
                         "ecluse's settings nest at most three levels: remove the extra brackets");
    }
    toml::value document;
    try {
        std::istringstream stream(content);
        document = toml::parse(stream, path);
    } catch (const toml::exception& error) {
        throw InputError(SourceLocation{path, static_cast<int>(error.location().line())},
                         "not valid TOML: " + toml_message(error.what()),
                         "strings go in double quotes, one `key = value` per line");
    } catch (const std::exception& error) {
        throw InputError(SourceLocation{path}, std::string("not valid TOML: ") + error.what());
    }
    SettingsFile file;
    file.lint.file = path;
    file.deploy.file = path;
    if (!document.is_table()) {
        return file;
    }
    for (const auto& [key, value] : document.as_table()) {
        SourceLocation where{path, static_cast<int>(value.location().line())};
        bool known = false;
        for (const auto& source : k_sources) {
            known = known || key == source.name;
        }
        if (!known) {
            bool table = false;
            for (const char* name : k_known_tables) {
                table = table || key == name;
            }
            if (table && !value.is_table()) {
                throw InputError(where, "`" + key + "` must be a table",
                                 "write its settings under a line `[" + key + "]`");
            }
            if (key == "lint") {
                file.lint = read_lint_table(value.as_table(), path);
                continue;
            }
            if (key == "deploy") {
                file.deploy = read_deploy_table(value.as_table(), path);
                continue;
            }
            if (key == "migrate") {
                file.migrate = read_migrate_table(value.as_table(), path);
                continue;
            }
            if (key == "rebase") {
                file.rebase = read_rebase_table(value.as_table(), path);
                continue;
            }
            std::string suggestion = closest_setting(key);
            throw InputError(where, "unknown setting `" + key + "`",
                             suggestion.empty() ? k_settings_list
                                                : "did you mean `" + suggestion + "`?");
        }
        if (!value.is_string()) {
            std::string example = is_duration_setting(key) ? "\"5s\"" : "\"...\"";
            throw InputError(where, "setting `" + key + "` must be a string",
                             "write it in double quotes, for example " + key + " = " + example);
        }
        const std::string& text = value.as_string().str;
        if (key == "format" && !is_output_format(text)) {
            throw InputError(where, "unknown output format " + quote_value(text),
                             k_output_format_hint);
        }
        if (is_duration_setting(key) && !Duration::parse(text)) {
            throw InputError(where, key + ": invalid duration " + quote_value(text),
                             std::string(k_duration_hint));
        }
        file.values[key] = {text, where.line};
    }
    return file;
}

Settings load_settings(const std::filesystem::path& root, int verbosity, const SettingValues& flags,
                       const EnvironmentLookup& environment) {
    SettingsFile file;
    std::filesystem::path path = root / k_settings_file_name;
    if (auto content = read_file_if_exists(path)) {
        file = parse_settings_file(*content, path.string());
    }
    // The value of a setting and where it came from, for errors; the
    // file's values were checked when it was read.
    struct Picked {
        std::string text;
        std::string source; // "--lock-timeout", "ECLUSE_LOCK_TIMEOUT", "./ecluse.toml:7"
    };
    // An empty variable counts as unset, whatever the lookup.
    auto variable = [&](const std::string& name) -> std::optional<std::string> {
        auto value = environment(name);
        if (value && value->empty()) {
            return std::nullopt;
        }
        return value;
    };
    auto pick = [&](const SettingSource& source) -> std::optional<Picked> {
        std::string name = source.name;
        if (auto it = flags.find(name); it != flags.end()) {
            std::string flag = "--" + name;
            std::replace(flag.begin(), flag.end(), '_', '-');
            return Picked{it->second, flag};
        }
        if (auto value = variable(source.environment)) {
            return Picked{*value, source.environment};
        }
        if (name == "database_url") {
            if (auto value = variable("DATABASE_URL")) {
                return Picked{*value, "DATABASE_URL"};
            }
        }
        if (auto it = file.values.find(name); it != file.values.end()) {
            return Picked{it->second.text, path.string() + ":" + std::to_string(it->second.line)};
        }
        return std::nullopt;
    };
    auto duration = [](const Picked& value) {
        return parse_duration_from(value.text, value.source);
    };
    Settings settings;
    settings.root = root;
    settings.verbosity = verbosity;
    settings.lint = std::move(file.lint);
    settings.deploy = std::move(file.deploy);
    settings.migrate = file.migrate;
    settings.rebase = std::move(file.rebase);
    if (auto no_cache = environment("ECLUSE_NO_CACHE");
        no_cache && !no_cache->empty() && *no_cache != "0") {
        settings.cache = false;
    }
    for (const auto& source : k_sources) {
        auto value = pick(source);
        if (!value) {
            continue;
        }
        std::string name = source.name;
        if (name == "database_url") {
            settings.database_url = value->text;
        } else if (name == "format") {
            if (!is_output_format(value->text)) {
                throw UsageError(value->source + ": unknown output format " +
                                     quote_value(value->text),
                                 k_output_format_hint);
            }
            settings.format = parse_output_format(value->text);
        } else if (name == "lock_timeout") {
            settings.lock_timeout = duration(*value);
        } else if (name == "statement_timeout") {
            settings.statement_timeout = duration(*value);
        } else if (name == "lock_wait") {
            settings.lock_wait = duration(*value);
        } else if (name == "progress_interval") {
            settings.progress_interval = duration(*value);
        } else if (name == "schema") {
            settings.schema = value->text;
        }
    }
    return settings;
}

} // namespace ecluse
