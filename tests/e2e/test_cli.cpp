// The command line itself: help, version, usage errors, output formats.

#include "tests/support/e2e.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

using namespace ecluse::test;

TEST_SUITE("cli") {

    TEST_CASE("--version prints the version and exits 0") {
        TempDir dir;
        auto result = run_ecluse(dir.path(), {"--version"});
        CHECK(result.exit_code == 0);
        CHECK(result.output.rfind("ecluse ", 0) == 0);
    }

    TEST_CASE("no command prints the usage and exits 2") {
        TempDir dir;
        auto result = run_ecluse(dir.path(), {});
        CHECK(result.exit_code == 2);
        CHECK(result.output.find("Commands:") != std::string::npos);
    }

    TEST_CASE("--help lists every command and the exit codes") {
        TempDir dir;
        auto result = run_ecluse(dir.path(), {"--help"});
        CHECK(result.exit_code == 0);
        for (const char* command :
             {"init", "revision", "heads", "history", "show", "check", "rebase", "hook"}) {
            CHECK_MESSAGE(result.output.find(std::string("  ") + command + " ") !=
                              std::string::npos,
                          command);
        }
        CHECK(result.output.find("another ecluse holds the database's lock") != std::string::npos);
        CHECK(result.output.find("Exit codes:") != std::string::npos);
    }

    TEST_CASE("every command has --help") {
        TempDir dir;
        for (const char* command :
             {"init", "revision", "heads", "history", "show", "check", "rebase", "hook"}) {
            auto result = run_ecluse(dir.path(), {command, "--help"});
            CHECK_MESSAGE(result.exit_code == 0, command);
            CHECK_MESSAGE(result.output.find(std::string("usage: ecluse [global options] ") +
                                             command) != std::string::npos,
                          command);
        }
    }

    TEST_CASE("`ecluse help CMD` is `ecluse CMD --help`, positionals shown as positionals") {
        TempDir dir;
        auto help = run_ecluse(dir.path(), {"help", "upgrade"});
        auto flag = run_ecluse(dir.path(), {"upgrade", "--help"});
        CHECK(help.exit_code == 0);
        CHECK(help.output == flag.output);
        CHECK(help.output.find("usage: ecluse [global options] upgrade [options] [TARGET]") !=
              std::string::npos);
        CHECK(help.output.find("--sql") != std::string::npos);
        CHECK(help.output.find("--target") == std::string::npos);
        CHECK(help.output.find("Commands:") == std::string::npos);
    }

    TEST_CASE("no command's help shows a positional as an option") {
        TempDir dir;
        const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
            {"show", {"--revision"}},        {"rebase", {"--revision"}},
            {"hook", {"--action"}},          {"data", {"--action", "--file"}},
            {"env", {"--action", "--name"}}, {"seed", {"--action", "--names"}},
            {"lint", {"--targets"}},         {"downgrade", {"--target"}},
            {"stamp", {"--target"}},
        };
        for (const auto& entry : cases) {
            // Named references: clang 14 cannot capture structured bindings.
            const auto& command = entry.first;
            const auto& hidden = entry.second;
            auto result = run_ecluse(dir.path(), {"help", command});
            CHECK_MESSAGE(result.exit_code == 0, command);
            CHECK_MESSAGE(result.output.find("Arguments:") != std::string::npos, command);
            for (const std::string& option : hidden) {
                CHECK_MESSAGE(result.output.find(option) == std::string::npos,
                              std::string(command + " " + option));
            }
        }
        auto show = run_ecluse(dir.path(), {"show"});
        CHECK(show.exit_code == 2);
        CHECK(show.errors.find("the argument REV is required") != std::string::npos);
    }

    TEST_CASE("help never cuts a file name across lines") {
        TempDir dir;
        auto result = run_ecluse(dir.path(), {"heads", "--help"});
        CHECK(result.output.find("alembic_version_conflict_detection.txt") != std::string::npos);
    }

    TEST_CASE("an unknown command is a usage error") {
        TempDir dir;
        auto result = run_ecluse(dir.path(), {"upgrayedd"});
        CHECK(result.exit_code == 2);
        CHECK(result.errors.find("unknown command upgrayedd") != std::string::npos);
    }

    TEST_CASE("an unknown option is a usage error naming the command") {
        TempDir dir;
        auto result = run_ecluse(dir.path(), {"heads", "--bogus"});
        CHECK(result.exit_code == 2);
        CHECK(result.errors.find("ecluse heads:") != std::string::npos);
        CHECK(result.errors.find("bogus") != std::string::npos);
    }

    TEST_CASE("an abbreviated option is never taken for the option it starts, global or not") {
        TempDir dir;
        REQUIRE(run_ecluse(dir.path(), {"init", "--no-hook"}).exit_code == 0);
        // --rew would have been --rewrite; --form, --verb and --databa the
        // global --format, --verbose and --database-url.
        for (const std::vector<std::string>& args :
             std::vector<std::vector<std::string>>{{"heads", "--rew"},
                                                   {"heads", "--form", "json"},
                                                   {"--verb", "heads"},
                                                   {"status", "--databa", "postgresql://x/y"}}) {
            auto result = run_ecluse(dir.path(), args);
            std::string option = args[0].rfind("--", 0) == 0 ? args[0] : args[1];
            CHECK_MESSAGE(result.exit_code == 2, option);
            CHECK_MESSAGE(result.errors.find("unrecognised option '" + option + "'") !=
                              std::string::npos,
                          result.errors);
            CHECK_MESSAGE(result.output.empty(), result.output);
        }
    }

    TEST_CASE("a bad --format is a usage error") {
        TempDir dir;
        auto result = run_ecluse(dir.path(), {"--format", "yaml", "heads"});
        CHECK(result.exit_code == 2);
        CHECK(result.errors.find("unknown output format \"yaml\"") != std::string::npos);
    }

    TEST_CASE("a project without migrations/ says to run init") {
        TempDir dir;
        auto result = run_ecluse(dir.path(), {"heads"});
        CHECK(result.exit_code == 2);
        CHECK(result.errors.find("no migrations folder") != std::string::npos);
        CHECK(result.errors.find("ecluse init") != std::string::npos);
    }

    TEST_CASE("global options work before and after the command, and -C picks the root") {
        TempDir dir;
        REQUIRE(run_ecluse(dir.path(), {"init", "--no-hook"}).exit_code == 0);
        REQUIRE(run_ecluse(dir.path(), {"revision", "-m", "one", "--head", "pre@head", "--rev-id",
                                        "aaaaaaaaaaaa"})
                    .exit_code == 0);
        auto before = run_ecluse(dir.path().parent_path(),
                                 {"-C", dir.path().string(), "--format", "json", "heads"});
        auto after = run_ecluse(dir.path().parent_path(),
                                {"-C", dir.path().string(), "heads", "--format", "json"});
        REQUIRE(before.exit_code == 0);
        CHECK(before.output == after.output);
        auto json = nlohmann::json::parse(before.output);
        REQUIRE(json["heads"].size() == 1);
        CHECK(json["heads"][0]["revision"] == "aaaaaaaaaaaa");
        CHECK(json["heads"][0]["branch"] == "pre");
    }

    TEST_CASE("init creates the layout, is idempotent, and says so") {
        TempDir dir;
        auto first = run_ecluse(dir.path(), {"init"});
        CHECK(first.exit_code == 0);
        CHECK(std::filesystem::is_directory(dir.path() / "migrations/pre"));
        CHECK(std::filesystem::is_directory(dir.path() / "migrations/post"));
        CHECK(read(dir.path() / "alembic_version_conflict_detection.txt").empty());
        CHECK(first.output.find("not a git repository") != std::string::npos);
        auto second = run_ecluse(dir.path(), {"init", "--no-hook"});
        CHECK(second.exit_code == 0);
        CHECK(second.output.find("already there") != std::string::npos);
        CHECK(run_ecluse(dir.path(), {"check"}).exit_code == 0);
    }

    TEST_CASE("an ecluse.toml with an unknown setting is refused with its line") {
        TempDir dir;
        REQUIRE(run_ecluse(dir.path(), {"init", "--no-hook"}).exit_code == 0);
        write(dir.path() / "ecluse.toml", "lock_timeout = \"3s\"\nlock_timout = \"3s\"\n");
        auto result = run_ecluse(dir.path(), {"heads"});
        CHECK(result.exit_code == 2);
        CHECK(result.errors.find("ecluse.toml:2: unknown setting `lock_timout`") !=
              std::string::npos);
        CHECK(result.errors.find("did you mean `lock_timeout`?") != std::string::npos);
    }

    TEST_CASE("history lists newest first in Alembic's format, with ranges") {
        TempDir dir;
        REQUIRE(run_ecluse(dir.path(), {"init", "--no-hook"}).exit_code == 0);
        for (auto [id, head] : {std::pair{"aaaaaaaaaaa1", "pre@head"},
                                {"aaaaaaaaaaa2", "pre@head"},
                                {"bbbbbbbbbbb1", "post@head"}}) {
            REQUIRE(run_ecluse(dir.path(), {"revision", "-m", std::string("rev ") + id, "--head",
                                            head, "--rev-id", id})
                        .exit_code == 0);
        }
        auto all = run_ecluse(dir.path(), {"history"});
        REQUIRE(all.exit_code == 0);
        CHECK(all.output.find("aaaaaaaaaaa1 -> aaaaaaaaaaa2 (pre) (head), rev aaaaaaaaaaa2\n") !=
              std::string::npos);
        CHECK(all.output.find("<base> -> aaaaaaaaaaa1 (pre), rev aaaaaaaaaaa1\n") !=
              std::string::npos);
        CHECK(all.output.find("<base> -> bbbbbbbbbbb1 (post) (head), rev bbbbbbbbbbb1\n") !=
              std::string::npos);
        CHECK(all.output.find("aaaaaaaaaaa2") < all.output.find("<base> -> aaaaaaaaaaa1"));

        auto pre_only = run_ecluse(dir.path(), {"history", "-r", "pre@base:pre@head"});
        CHECK(pre_only.exit_code == 0);
        CHECK(pre_only.output.find("bbbbbbbbbbb1") == std::string::npos);
        CHECK(pre_only.output.find("aaaaaaaaaaa1") != std::string::npos);

        auto from = run_ecluse(dir.path(), {"history", "-r", "aaaaaaaaaaa2:", "--format", "json"});
        REQUIRE(from.exit_code == 0);
        auto json = nlohmann::json::parse(from.output);
        REQUIRE(json["revisions"].size() == 1);
        CHECK(json["revisions"][0]["revision"] == "aaaaaaaaaaa2");

        auto bad = run_ecluse(dir.path(), {"history", "-r", "head"});
        CHECK(bad.exit_code == 2);
        CHECK(bad.errors.find("pre@head") != std::string::npos);
    }

    TEST_CASE("history and show --format json never crash on a message that is not UTF-8") {
        TempDir dir;
        REQUIRE(run_ecluse(dir.path(), {"init", "--no-hook"}).exit_code == 0);
        REQUIRE(run_ecluse(dir.path(), {"revision", "-m", "latin", "--head", "pre@head", "--rev-id",
                                        "abcdefabcdef"})
                    .exit_code == 0);
        auto file = revision_files(dir.path(), "pre").front();
        std::string content = read(file);
        content.replace(content.find("-- message: latin"), 17, "-- message: caf\xe9");
        write(file, content);
        for (const char* command : {"history", "show"}) {
            std::vector<std::string> args = {command, "--format", "json"};
            if (std::string(command) == "show") {
                args.push_back("abcd");
            }
            auto result = run_ecluse(dir.path(), args);
            // Refused at its line (bad input), never a crash of the JSON output.
            CHECK_MESSAGE(result.exit_code == 2, result.errors);
            CHECK_MESSAGE(result.errors.find("internal error") == std::string::npos, result.errors);
            CHECK_MESSAGE(result.errors.find(":3: `message` holds bytes that are not UTF-8") !=
                              std::string::npos,
                          result.errors);
        }
    }

    TEST_CASE("show prints one revision with its checksum and statements") {
        TempDir dir;
        REQUIRE(run_ecluse(dir.path(), {"init", "--no-hook"}).exit_code == 0);
        REQUIRE(run_ecluse(dir.path(), {"revision", "-m", "users", "--head", "pre@head", "--rev-id",
                                        "abcdefabcdef"})
                    .exit_code == 0);
        auto file = revision_files(dir.path(), "pre").front();
        std::string content = read(file);
        auto marker = content.find("-- ecluse:downgrade");
        content.insert(marker,
                       "CREATE TABLE users (user_id bigint);\nCREATE INDEX ON users (user_id);\n");
        content += "DROP TABLE users;\n";
        write(file, content);

        auto text = run_ecluse(dir.path(), {"show", "abcd"});
        REQUIRE(text.exit_code == 0);
        CHECK(text.output.find("Revision: abcdefabcdef (head)\n") == 0);
        CHECK(text.output.find("Statements: 2 upgrade, 1 downgrade") != std::string::npos);
        CHECK(text.output.find("Checksum: ") != std::string::npos);

        auto json = nlohmann::json::parse(
            run_ecluse(dir.path(), {"show", "pre@head", "--format", "json"}).output);
        CHECK(json["revision"] == "abcdefabcdef");
        REQUIRE(json["upgrade"].size() == 2);
        CHECK(json["upgrade"][1]["sql"] == "CREATE INDEX ON users (user_id)");
        CHECK(json["upgrade"][1]["line"] == 10);
        CHECK(json["checksum"].get<std::string>().size() == 64);

        auto unknown = run_ecluse(dir.path(), {"show", "ffff"});
        CHECK(unknown.exit_code == 2);
        CHECK(unknown.errors.find("no revision matches \"ffff\"") != std::string::npos);
    }

} // TEST_SUITE
