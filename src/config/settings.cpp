#include "config/settings.hpp"

#include "util/error.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

#include <toml.hpp>

#include <array>
#include <cstdlib>
#include <sstream>

namespace ecluse {

namespace {

// Each setting and the environment variable that may set it.
struct SettingSource {
    const char* name;
    const char* environment;
};

constexpr std::array<SettingSource, 6> k_sources = {{
    {"database_url", "ECLUSE_DATABASE_URL"},
    {"format", "ECLUSE_FORMAT"},
    {"lock_timeout", "ECLUSE_LOCK_TIMEOUT"},
    {"statement_timeout", "ECLUSE_STATEMENT_TIMEOUT"},
    {"lock_wait", "ECLUSE_LOCK_WAIT"},
    {"schema", "ECLUSE_SCHEMA"},
}};

// Tables that later parts of ecluse read (lint rules); accepted here.
constexpr std::array<const char*, 2> k_known_tables = {"lint", "deploy"};

// What the settings file may hold, for hints.
const char* k_settings_list = "the settings are database_url, format, lock_timeout, "
                              "statement_timeout, lock_wait and schema, and the tables [lint] "
                              "and [deploy]";

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

bool is_output_format(const std::string& text) {
    return text == "text" || text == "json" || text == "github";
}

const char* k_output_format_hint = "use text, json or github";

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

std::optional<std::string> process_environment(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) {
        return std::nullopt;
    }
    return std::string(value);
}

OutputFormat parse_output_format(const std::string& text) {
    if (text == "text") {
        return OutputFormat::text;
    }
    if (text == "json") {
        return OutputFormat::json;
    }
    if (text == "github") {
        return OutputFormat::github;
    }
    throw UsageError("unknown output format " + quote_value(text), k_output_format_hint);
}

SettingValues parse_settings_file(const std::string& content, const std::string& path) {
    // TOML is UTF-8, and toml11 3.7 reads past its buffer on malformed
    // UTF-8: refuse it first.
    if (auto invalid = find_invalid_utf8(content)) {
        throw InputError(SourceLocation{path, line_column_at(content, *invalid).line},
                         "not valid TOML: bytes that are not UTF-8", "save the file as UTF-8");
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
    SettingValues values;
    if (!document.is_table()) {
        return values;
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
            if (table && value.is_table()) {
                continue;
            }
            if (table) {
                throw InputError(where, "`" + key + "` must be a table",
                                 "write its settings under a line `[" + key + "]`");
            }
            std::string suggestion = closest_setting(key);
            throw InputError(where, "unknown setting `" + key + "`",
                             suggestion.empty() ? k_settings_list
                                                : "did you mean `" + suggestion + "`?");
        }
        if (value.is_string()) {
            if (key == "format" && !is_output_format(value.as_string().str)) {
                throw InputError(where,
                                 "unknown output format " + quote_value(value.as_string().str),
                                 k_output_format_hint);
            }
            values[key] = value.as_string().str;
        } else if (value.is_integer() && key != "database_url" && key != "format" &&
                   key != "schema") {
            values[key] = std::to_string(value.as_integer());
        } else {
            throw InputError(where, "setting `" + key + "` must be a string",
                             "write it in double quotes, for example " + key + " = \"...\"");
        }
    }
    return values;
}

namespace {

// The table `name` of ecluse.toml's content; empty when there is none.
// parse_settings_file has reported malformed TOML and a non-table value.
toml::table settings_table(const std::string& content, const std::string& path,
                           const std::string& name) {
    std::istringstream stream(content);
    toml::value document = toml::parse(stream, path);
    if (!document.is_table() || document.count(name) == 0 || !document.at(name).is_table()) {
        return {};
    }
    return document.at(name).as_table();
}

} // namespace

LintSettings parse_lint_settings(const std::string& content, const std::string& path) {
    LintSettings lint;
    lint.file = path;
    for (const auto& [key, value] : settings_table(content, path, "lint")) {
        int line = static_cast<int>(value.location().line());
        if (key != "enable" && key != "disable") {
            throw InputError(SourceLocation{path, line}, "unknown [lint] setting `" + key + "`",
                             "[lint] takes `enable` and `disable`, lists of rule ids such as "
                             "[\"locking-lock-table\"] (`ecluse lint --rules` lists them)");
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

DeploySettings parse_deploy_settings(const std::string& content, const std::string& path) {
    DeploySettings deploy;
    deploy.file = path;
    for (const auto& [key, value] : settings_table(content, path, "deploy")) {
        int line = static_cast<int>(value.location().line());
        if (key != "hook" && key != "hook_timeout") {
            throw InputError(SourceLocation{path, line}, "unknown [deploy] setting `" + key + "`",
                             "[deploy] takes `hook` (the command that deploys the code, as "
                             "--hook takes it) and `hook_timeout` (a duration such as \"30min\")");
        }
        if (!value.is_string()) {
            throw InputError(SourceLocation{path, line}, "[deploy] `" + key + "` must be a string",
                             key == "hook" ? "for example hook = \"./deploy/rollout.sh --wait\""
                                           : "for example hook_timeout = \"15min\"");
        }
        (key == "hook" ? deploy.hook : deploy.hook_timeout) = value.as_string().str;
        (key == "hook" ? deploy.hook_line : deploy.hook_timeout_line) = line;
    }
    return deploy;
}

Settings load_settings(const std::filesystem::path& root, int verbosity, const SettingValues& flags,
                       const EnvironmentLookup& environment) {
    SettingValues file_values;
    LintSettings lint;
    DeploySettings deploy;
    std::filesystem::path file = root / k_settings_file_name;
    if (auto content = read_file_if_exists(file)) {
        file_values = parse_settings_file(*content, file.string());
        lint = parse_lint_settings(*content, file.string());
        deploy = parse_deploy_settings(*content, file.string());
    }
    auto pick = [&](const SettingSource& source) -> std::optional<std::string> {
        if (auto it = flags.find(source.name); it != flags.end()) {
            return it->second;
        }
        if (auto value = environment(source.environment)) {
            return value;
        }
        if (std::string(source.name) == "database_url") {
            if (auto value = environment("DATABASE_URL")) {
                return value;
            }
        }
        if (auto it = file_values.find(source.name); it != file_values.end()) {
            return it->second;
        }
        return std::nullopt;
    };
    Settings settings;
    settings.root = root;
    settings.verbosity = verbosity;
    settings.lint = std::move(lint);
    settings.deploy = std::move(deploy);
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
            settings.database_url = *value;
        } else if (name == "format") {
            if (!flags.count(name) && !is_output_format(*value)) {
                // Only the environment can hold it: the file's value was checked.
                throw UsageError("unknown output format " + quote_value(*value) + " (from " +
                                     source.environment + ")",
                                 k_output_format_hint);
            }
            settings.format = parse_output_format(*value);
        } else if (name == "lock_timeout") {
            settings.lock_timeout = *value;
        } else if (name == "statement_timeout") {
            settings.statement_timeout = *value;
        } else if (name == "lock_wait") {
            settings.lock_wait = *value;
        } else if (name == "schema") {
            settings.schema = *value;
        }
    }
    return settings;
}

} // namespace ecluse
