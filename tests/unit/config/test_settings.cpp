#include "config/settings.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <string>

using namespace ecluse;

namespace {

// A project root under the system's temporary folder, removed at the end.
class TemporaryProject {
public:
    TemporaryProject()
        : m_root(std::filesystem::temp_directory_path() / ("ecluse-settings-" + random_hex(12))) {
        std::filesystem::create_directories(m_root);
    }
    ~TemporaryProject() { std::filesystem::remove_all(m_root); }
    TemporaryProject(const TemporaryProject&) = delete;
    TemporaryProject& operator=(const TemporaryProject&) = delete;

    const std::filesystem::path& root() const { return m_root; }
    void write_settings(const std::string& content) const {
        write_file_atomically(m_root / k_settings_file_name, content);
    }

private:
    std::filesystem::path m_root;
};

// An environment that holds exactly the given variables.
EnvironmentLookup environment(std::map<std::string, std::string> variables) {
    return [variables = std::move(variables)](const std::string& name) {
        auto it = variables.find(name);
        return it == variables.end() ? std::nullopt : std::optional(it->second);
    };
}

// The InputError that parse_settings_file throws for `content`.
InputError settings_file_error(const std::string& content) {
    try {
        parse_settings_file(content, "proj/ecluse.toml");
    } catch (const InputError& error) {
        return error;
    }
    FAIL("parse_settings_file did not throw for: " << content);
    throw std::logic_error("unreachable");
}

const std::string k_full_file = "database_url = \"postgresql://file/db\"\n"
                                "format = \"json\"\n"
                                "lock_timeout = \"7s\"\n"
                                "statement_timeout = \"70s\"\n"
                                "lock_wait = \"2min\"\n"
                                "schema = \"from_file\"\n";

} // namespace

TEST_SUITE("settings") {

    TEST_CASE("the defaults apply when no flag, variable or file sets anything") {
        TemporaryProject project;
        Settings settings = load_settings(project.root(), 1, {}, environment({}));
        CHECK(settings.root == project.root());
        CHECK(settings.verbosity == 1);
        CHECK_FALSE(settings.database_url.has_value());
        CHECK(settings.format == OutputFormat::text);
        CHECK(settings.lock_timeout == Duration::parse("5s"));
        CHECK(settings.statement_timeout == Duration::parse("60s"));
        CHECK(settings.lock_wait == Duration::parse("60s"));
        CHECK(settings.schema == "ecluse");
    }

    TEST_CASE("ecluse.toml overrides the defaults") {
        TemporaryProject project;
        project.write_settings(k_full_file);
        Settings settings = load_settings(project.root(), 0, {}, environment({}));
        CHECK(settings.database_url == "postgresql://file/db");
        CHECK(settings.format == OutputFormat::json);
        CHECK(settings.lock_timeout == Duration::parse("7s"));
        CHECK(settings.statement_timeout == Duration::parse("70s"));
        CHECK(settings.lock_wait == Duration::parse("2min"));
        CHECK(settings.schema == "from_file");
    }

    TEST_CASE("ECLUSE_ variables override ecluse.toml") {
        TemporaryProject project;
        project.write_settings(k_full_file);
        Settings settings = load_settings(project.root(), 0, {},
                                          environment({
                                              {"ECLUSE_DATABASE_URL", "postgresql://env/db"},
                                              {"ECLUSE_FORMAT", "github"},
                                              {"ECLUSE_LOCK_TIMEOUT", "8s"},
                                              {"ECLUSE_STATEMENT_TIMEOUT", "80s"},
                                              {"ECLUSE_LOCK_WAIT", "3min"},
                                              {"ECLUSE_SCHEMA", "from_env"},
                                          }));
        CHECK(settings.database_url == "postgresql://env/db");
        CHECK(settings.format == OutputFormat::github);
        CHECK(settings.lock_timeout == Duration::parse("8s"));
        CHECK(settings.statement_timeout == Duration::parse("80s"));
        CHECK(settings.lock_wait == Duration::parse("3min"));
        CHECK(settings.schema == "from_env");
    }

    TEST_CASE("flags override ECLUSE_ variables and ecluse.toml") {
        TemporaryProject project;
        project.write_settings(k_full_file);
        SettingValues flags = {
            {"database_url", "postgresql://flag/db"},
            {"format", "text"},
            {"lock_timeout", "9s"},
            {"statement_timeout", "90s"},
            {"lock_wait", "4min"},
            {"schema", "from_flag"},
        };
        Settings settings = load_settings(project.root(), 0, flags,
                                          environment({
                                              {"ECLUSE_DATABASE_URL", "postgresql://env/db"},
                                              {"ECLUSE_FORMAT", "github"},
                                              {"ECLUSE_LOCK_TIMEOUT", "8s"},
                                              {"ECLUSE_STATEMENT_TIMEOUT", "80s"},
                                              {"ECLUSE_LOCK_WAIT", "3min"},
                                              {"ECLUSE_SCHEMA", "from_env"},
                                          }));
        CHECK(settings.database_url == "postgresql://flag/db");
        CHECK(settings.format == OutputFormat::text);
        CHECK(settings.lock_timeout == Duration::parse("9s"));
        CHECK(settings.statement_timeout == Duration::parse("90s"));
        CHECK(settings.lock_wait == Duration::parse("4min"));
        CHECK(settings.schema == "from_flag");
    }

    TEST_CASE("each source is consulted per setting, not as a whole") {
        TemporaryProject project;
        project.write_settings("lock_timeout = \"7s\"\nschema = \"from_file\"\n");
        Settings settings = load_settings(project.root(), 0, {{"lock_timeout", "9s"}},
                                          environment({{"ECLUSE_LOCK_WAIT", "3min"}}));
        CHECK(settings.lock_timeout == Duration::parse("9s"));
        CHECK(settings.lock_wait == Duration::parse("3min"));
        CHECK(settings.schema == "from_file");
        CHECK(settings.statement_timeout == Duration::parse("60s"));
    }

    TEST_CASE("DATABASE_URL is used after ECLUSE_DATABASE_URL and before ecluse.toml") {
        TemporaryProject project;
        project.write_settings("database_url = \"postgresql://file/db\"\n");
        CHECK(load_settings(project.root(), 0, {},
                            environment({{"DATABASE_URL", "postgresql://generic/db"}}))
                  .database_url == "postgresql://generic/db");
        CHECK(load_settings(project.root(), 0, {},
                            environment({{"DATABASE_URL", "postgresql://generic/db"},
                                         {"ECLUSE_DATABASE_URL", "postgresql://env/db"}}))
                  .database_url == "postgresql://env/db");
        CHECK(load_settings(project.root(), 0, {{"database_url", "postgresql://flag/db"}},
                            environment({{"DATABASE_URL", "postgresql://generic/db"}}))
                  .database_url == "postgresql://flag/db");
    }

    TEST_CASE("DATABASE_URL is not a fallback for other settings") {
        TemporaryProject project;
        Settings settings = load_settings(project.root(), 0, {},
                                          environment({{"DATABASE_URL", "postgresql://x/db"},
                                                       {"SCHEMA", "not_ours"},
                                                       {"FORMAT", "json"}}));
        CHECK(settings.schema == "ecluse");
        CHECK(settings.format == OutputFormat::text);
    }

    TEST_CASE("a bad format from any source is a usage error naming the value") {
        TemporaryProject project;
        try {
            load_settings(project.root(), 0, {}, environment({{"ECLUSE_FORMAT", "xml"}}));
            FAIL("load_settings did not throw");
        } catch (const UsageError& error) {
            CHECK(std::string(error.what()) == "ECLUSE_FORMAT: unknown output format \"xml\"");
            CHECK(error.hint() == "use text, json, github, markdown or mermaid (history only)");
            CHECK(error.exit_code() == 2);
        }
        try {
            load_settings(project.root(), 0, {{"format", "yaml"}}, environment({}));
            FAIL("load_settings did not throw");
        } catch (const UsageError& error) {
            CHECK(std::string(error.what()) == "--format: unknown output format \"yaml\"");
        }
    }

    TEST_CASE("a bad duration from a flag or a variable is a usage error naming its source") {
        TemporaryProject project;
        try {
            load_settings(project.root(), 0, {{"lock_timeout", "5"}}, environment({}));
            FAIL("load_settings did not throw");
        } catch (const UsageError& error) {
            CHECK(std::string(error.what()) == "--lock-timeout: invalid duration \"5\"");
            CHECK(error.hint() == k_duration_hint);
        }
        try {
            load_settings(project.root(), 0, {},
                          environment({{"ECLUSE_STATEMENT_TIMEOUT", "1 day"}}));
            FAIL("load_settings did not throw");
        } catch (const UsageError& error) {
            CHECK(std::string(error.what()) ==
                  "ECLUSE_STATEMENT_TIMEOUT: invalid duration \"1 day\"");
        }
        Settings settings = load_settings(project.root(), 0, {{"lock_wait", "1d"}},
                                          environment({{"ECLUSE_LOCK_TIMEOUT", "1.5s"}}));
        CHECK(settings.lock_wait.value() == std::chrono::hours(24));
        CHECK(settings.lock_timeout.value() == std::chrono::milliseconds(1500));
    }

    TEST_CASE("markdown is a format in ecluse.toml and ECLUSE_FORMAT, the flag first") {
        TemporaryProject project;
        project.write_settings("format = \"markdown\"\n");
        CHECK(load_settings(project.root(), 0, {}, environment({})).format ==
              OutputFormat::markdown);
        CHECK(load_settings(project.root(), 0, {{"format", "json"}}, environment({})).format ==
              OutputFormat::json);
        TemporaryProject plain;
        CHECK(load_settings(plain.root(), 0, {}, environment({{"ECLUSE_FORMAT", "markdown"}}))
                  .format == OutputFormat::markdown);
    }

    TEST_CASE("a bad format in ecluse.toml names the file and line") {
        TemporaryProject project;
        project.write_settings("schema = \"s\"\nformat = \"xml\"\n");
        std::string path = (project.root() / "ecluse.toml").string();
        try {
            load_settings(project.root(), 0, {}, environment({}));
            FAIL("load_settings did not throw");
        } catch (const InputError& error) {
            CHECK(error.location().file == path);
            CHECK(error.location().line == 2);
            CHECK(error.bare_message() == "unknown output format \"xml\"");
            CHECK(error.hint() == "use text, json, github, markdown or mermaid (history only)");
            CHECK(error.exit_code() == 2);
        }
    }

    TEST_CASE("a malformed ecluse.toml stops load_settings with its path") {
        TemporaryProject project;
        project.write_settings("lock_timout = \"5s\"\n");
        try {
            load_settings(project.root(), 0, {}, environment({}));
            FAIL("load_settings did not throw");
        } catch (const InputError& error) {
            CHECK(error.location().file == (project.root() / "ecluse.toml").string());
            CHECK(error.location().line == 1);
        }
    }

    TEST_CASE("parse_output_format knows text, json, github, markdown and mermaid") {
        CHECK(parse_output_format("text") == OutputFormat::text);
        CHECK(parse_output_format("json") == OutputFormat::json);
        CHECK(parse_output_format("github") == OutputFormat::github);
        CHECK(parse_output_format("markdown") == OutputFormat::markdown);
        CHECK(parse_output_format("mermaid") == OutputFormat::mermaid);
        CHECK_THROWS_AS(parse_output_format("JSON"), UsageError);
        CHECK_THROWS_AS(parse_output_format(""), UsageError);
    }

    TEST_CASE("process_environment reads the real environment") {
        ::setenv("ECLUSE_TEST_SETTINGS_VARIABLE", "value", 1);
        CHECK(process_environment("ECLUSE_TEST_SETTINGS_VARIABLE") == "value");
        ::unsetenv("ECLUSE_TEST_SETTINGS_VARIABLE");
        CHECK_FALSE(process_environment("ECLUSE_TEST_SETTINGS_VARIABLE").has_value());
    }

} // TEST_SUITE("settings")

TEST_SUITE("settings file") {

    // The file's top-level values as name=text@line, in name order.
    std::string values_of(const SettingsFile& file) {
        std::string out;
        for (const auto& [name, value] : file.values) {
            out += name + "=" + value.text + "@" + std::to_string(value.line) + ";";
        }
        return out;
    }

    TEST_CASE("parse_settings_file returns every known setting as text with its line") {
        CHECK(
            values_of(parse_settings_file(k_full_file, "ecluse.toml")) ==
            "database_url=postgresql://file/db@1;format=json@2;lock_timeout=7s@3;lock_wait=2min@5;"
            "schema=from_file@6;statement_timeout=70s@4;");
    }

    TEST_CASE("an empty file or one with only comments sets nothing") {
        CHECK(parse_settings_file("", "ecluse.toml").values.empty());
        CHECK(parse_settings_file("# settings\n\n", "ecluse.toml").values.empty());
    }

    TEST_CASE("a timeout is a string with a unit: a bare number is refused at its line") {
        InputError integer = settings_file_error("\nlock_timeout = 500\n");
        CHECK(integer.location().line == 2);
        CHECK(integer.bare_message() == "setting `lock_timeout` must be a string");
        CHECK(integer.hint() == "write it in double quotes, for example lock_timeout = \"5s\"");

        InputError bare = settings_file_error("schema = \"s\"\nstatement_timeout = \"500\"\n");
        CHECK(bare.location().line == 2);
        CHECK(bare.bare_message() == "statement_timeout: invalid duration \"500\"");
        CHECK(bare.hint() == k_duration_hint);

        CHECK(values_of(parse_settings_file("lock_wait = \"0\"\n", "ecluse.toml")) ==
              "lock_wait=0@1;");
    }

    TEST_CASE("the lint and deploy tables are read in the same pass") {
        SettingsFile file =
            parse_settings_file("schema = \"s\"\n[lint]\nenable = [\"conventions\"]\n"
                                "[deploy]\nhook = \"./deploy/hook\"\n",
                                "ecluse.toml");
        CHECK(values_of(file) == "schema=s@1;");
        CHECK(file.lint.enable == std::vector<std::string>{"conventions"});
        CHECK(file.deploy.hook == std::optional<std::string>("./deploy/hook"));
    }

    TEST_CASE("an unknown key is refused at its line with the closest setting") {
        InputError error = settings_file_error("schema = \"s\"\n\nlock_timout = \"5s\"\n");
        CHECK(error.location().file == "proj/ecluse.toml");
        CHECK(error.location().line == 3);
        CHECK(error.bare_message() == "unknown setting `lock_timout`");
        CHECK(error.hint() == "did you mean `lock_timeout`?");
        CHECK(std::string(error.what()) == "proj/ecluse.toml:3: unknown setting `lock_timout`");
        CHECK(error.exit_code() == 2);
    }

    TEST_CASE("an unknown key far from every setting gets a hint without a guess") {
        InputError error = settings_file_error("colour = \"blue\"\n");
        CHECK(error.location().line == 1);
        CHECK(error.bare_message() == "unknown setting `colour`");
        CHECK(error.hint() ==
              "the settings are database_url, format, lock_timeout, "
              "statement_timeout, lock_wait, progress_interval and schema, and the tables [lint], "
              "[deploy], [migrate] and [rebase]");
    }

    TEST_CASE("an unknown table is refused at its header line") {
        InputError error = settings_file_error("schema = \"s\"\n[databse]\nurl = \"x\"\n");
        CHECK(error.location().line == 2);
        CHECK(error.bare_message() == "unknown setting `databse`");
    }

    TEST_CASE("a value of the wrong type is refused at its line") {
        InputError format = settings_file_error("\nformat = 1\n");
        CHECK(format.location().line == 2);
        CHECK(format.bare_message() == "setting `format` must be a string");
        CHECK(format.hint() == "write it in double quotes, for example format = \"...\"");

        InputError schema = settings_file_error("schema = true\n");
        CHECK(schema.location().line == 1);
        CHECK(schema.bare_message() == "setting `schema` must be a string");

        InputError url = settings_file_error("# comment\n\ndatabase_url = 5432\n");
        CHECK(url.location().line == 3);
        CHECK(url.bare_message() == "setting `database_url` must be a string");

        InputError timeout = settings_file_error("lock_timeout = 1.5\n");
        CHECK(timeout.location().line == 1);
        CHECK(timeout.bare_message() == "setting `lock_timeout` must be a string");

        InputError array = settings_file_error("lock_wait = [\"1s\"]\n");
        CHECK(array.location().line == 1);
        CHECK(array.bare_message() == "setting `lock_wait` must be a string");
    }

    TEST_CASE("a setting written as a table is refused at its header line") {
        InputError error = settings_file_error("\n[schema]\nname = \"s\"\n");
        CHECK(error.location().line == 2);
        CHECK(error.bare_message() == "setting `schema` must be a string");
    }

    TEST_CASE("lint or deploy written as a value is refused as a table that is not one") {
        InputError error = settings_file_error("lint = \"strict\"\n");
        CHECK(error.location().line == 1);
        CHECK(error.bare_message() == "`lint` must be a table");
        CHECK(error.hint() == "write its settings under a line `[lint]`");
    }

    TEST_CASE("bad TOML is refused at its line") {
        InputError unterminated = settings_file_error("schema = \"s\"\nformat = \"json\n");
        CHECK(unterminated.location().file == "proj/ecluse.toml");
        CHECK(unterminated.location().line == 2);
        CHECK(unterminated.bare_message().rfind("not valid TOML: ", 0) == 0);

        InputError no_value = settings_file_error("schema = \"s\"\n\nlock_wait =\n");
        CHECK(no_value.location().line == 3);
        CHECK(no_value.bare_message().rfind("not valid TOML: ", 0) == 0);

        InputError duplicate = settings_file_error("schema = \"a\"\nschema = \"b\"\n");
        CHECK(duplicate.location().line == 2);
        CHECK(duplicate.bare_message().rfind("not valid TOML: ", 0) == 0);
    }

} // TEST_SUITE("settings file")

TEST_SUITE("settings file: [lint]") {
    TEST_CASE("enable and disable are read with their lines") {
        LintSettings lint =
            parse_settings_file(
                "schema = \"s\"\n[lint]\nenable = [\"conventions\"]\n\ndisable = [\"a\", \"b\"]\n",
                "ecluse.toml")
                .lint;
        CHECK(lint.file == "ecluse.toml");
        CHECK(lint.enable == std::vector<std::string>{"conventions"});
        CHECK(lint.enable_line == 3);
        CHECK(lint.disable == std::vector<std::string>{"a", "b"});
        CHECK(lint.disable_line == 5);
    }

    TEST_CASE("no [lint] table: nothing enabled or disabled") {
        LintSettings lint = parse_settings_file("schema = \"s\"\n", "ecluse.toml").lint;
        CHECK(lint.enable.empty());
        CHECK(lint.disable.empty());
        CHECK(lint.base.empty());
    }

    TEST_CASE("base is the git ref lint compares with; it must be a non-empty string") {
        LintSettings lint =
            parse_settings_file("[lint]\nbase = \"origin/develop\"\n", "ecluse.toml").lint;
        CHECK(lint.base == "origin/develop");
        for (const char* text : {"[lint]\nbase = \"\"\n", "[lint]\nbase = [\"main\"]\n"}) {
            try {
                parse_settings_file(text, "ecluse.toml");
                FAIL("no error");
            } catch (const InputError& error) {
                CHECK(std::string(error.what()) ==
                      "ecluse.toml:2: [lint] `base` must be a git branch or commit");
                CHECK(error.hint() == "for example base = \"origin/main\"");
            }
        }
    }

    TEST_CASE("another key, or a value that is not a list of strings, is refused at its line") {
        try {
            parse_settings_file("[lint]\nenabled = [\"x\"]\n", "ecluse.toml");
            FAIL("no error");
        } catch (const InputError& error) {
            CHECK(std::string(error.what()) == "ecluse.toml:2: unknown [lint] setting `enabled`");
        }
        try {
            parse_settings_file("[lint]\ndisable = \"locking-lock-table\"\n", "ecluse.toml");
            FAIL("no error");
        } catch (const InputError& error) {
            CHECK(std::string(error.what()) ==
                  "ecluse.toml:2: [lint] `disable` must be a list of rule ids");
        }
    }
}

TEST_SUITE("settings file: [deploy]") {
    TEST_CASE("hook and hook_timeout are read with their lines; load_settings keeps them") {
        DeploySettings deploy =
            parse_settings_file(
                "[deploy]\nhook = \"./rollout.sh --wait\"\n\nhook_timeout = \"15min\"\n",
                "ecluse.toml")
                .deploy;
        CHECK(deploy.file == "ecluse.toml");
        CHECK(deploy.hook == std::optional<std::string>("./rollout.sh --wait"));
        CHECK(deploy.hook_line == 2);
        CHECK(deploy.hook_timeout == Duration(std::chrono::minutes(15)));

        DeploySettings none = parse_settings_file("schema = \"s\"\n", "ecluse.toml").deploy;
        CHECK_FALSE(none.hook);
        CHECK_FALSE(none.hook_timeout);
    }

    TEST_CASE("another key, or a value that is not a string, is refused at its line") {
        try {
            parse_settings_file("[deploy]\nhooks = \"x\"\n", "ecluse.toml");
            FAIL("no error");
        } catch (const InputError& error) {
            CHECK(std::string(error.what()) == "ecluse.toml:2: unknown [deploy] setting `hooks`");
        }
        try {
            parse_settings_file("[deploy]\nhook_timeout = 30\n", "ecluse.toml");
            FAIL("no error");
        } catch (const InputError& error) {
            CHECK(std::string(error.what()) ==
                  "ecluse.toml:2: [deploy] `hook_timeout` must be a string");
        }
        try {
            parse_settings_file("[deploy]\n\nhook_timeout = \"30\"\n", "ecluse.toml");
            FAIL("no error");
        } catch (const InputError& error) {
            CHECK(std::string(error.what()) ==
                  "ecluse.toml:3: [deploy] hook_timeout: invalid duration \"30\"");
            CHECK(error.hint() == k_duration_hint);
        }
    }
}

TEST_SUITE("settings file: [migrate] and [rebase]") {
    TEST_CASE("out_of_order and integration_branch are read; load_settings keeps them") {
        SettingsFile file = parse_settings_file(
            "[migrate]\nout_of_order = true\n[rebase]\nintegration_branch = \"origin/develop\"\n",
            "ecluse.toml");
        CHECK(file.migrate.out_of_order);
        CHECK(file.rebase.integration_branch == "origin/develop");
        SettingsFile none = parse_settings_file("schema = \"s\"\n", "ecluse.toml");
        CHECK_FALSE(none.migrate.out_of_order);
        CHECK(none.rebase.integration_branch.empty());
    }

    TEST_CASE("a quoted boolean, an empty branch or another key is refused at its line") {
        auto error_of = [](const std::string& text) {
            try {
                parse_settings_file(text, "ecluse.toml");
            } catch (const InputError& error) {
                return std::string(error.what());
            }
            return std::string("no error");
        };
        CHECK(error_of("[migrate]\nout_of_order = \"true\"\n") ==
              "ecluse.toml:2: [migrate] `out_of_order` must be true or false");
        CHECK(error_of("[migrate]\n\noutoforder = true\n") ==
              "ecluse.toml:3: unknown [migrate] setting `outoforder`");
        CHECK(error_of("[rebase]\nintegration_branch = \"\"\n") ==
              "ecluse.toml:2: [rebase] `integration_branch` must be a branch name");
        CHECK(error_of("[rebase]\nonto = \"main\"\n") ==
              "ecluse.toml:2: unknown [rebase] setting `onto`");
    }
}
