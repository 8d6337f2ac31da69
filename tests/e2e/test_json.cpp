// --format json, end to end: every command's output is JSON that follows
// the conventions of docs/json.md, and a command that fails prints the
// error object on stdout as well as the text on stderr.

#include "tests/e2e/database_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using ecluse::ProcessResult;
using namespace ecluse::test;

namespace {

// Where `value` breaks the conventions: an empty string (what is not there
// is null), or a key that is not snake_case. Paths as `a.b[2].c`.
void convention_breaks(const nlohmann::json& value, const std::string& where,
                       std::vector<std::string>& out) {
    if (value.is_string() && value.get<std::string>().empty()) {
        out.push_back(where + ": \"\" instead of null");
    } else if (value.is_array()) {
        for (std::size_t i = 0; i < value.size(); ++i) {
            convention_breaks(value[i], where + "[" + std::to_string(i) + "]", out);
        }
    } else if (value.is_object()) {
        for (auto it = value.begin(); it != value.end(); ++it) {
            const std::string& key = it.key();
            if (key.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos) {
                out.push_back(where + "." + key + ": not a snake_case key");
            }
            convention_breaks(it.value(), where + "." + key, out);
        }
    }
}

// `ecluse --format json ARGS...` in `root`: exit 0, one JSON document on
// stdout that follows the conventions.
nlohmann::json json_of(const fs::path& root, std::vector<std::string> args) {
    args.insert(args.begin(), {"--format", "json"});
    ProcessResult result = run_ecluse(root, args);
    std::string command = args[2];
    REQUIRE_MESSAGE(result.exit_code == 0, command << ": " << result.errors);
    nlohmann::json document;
    CHECK_NOTHROW_MESSAGE(document = nlohmann::json::parse(result.output),
                          command << " printed: " << result.output);
    std::vector<std::string> breaks;
    convention_breaks(document, command, breaks);
    for (const std::string& each : breaks) {
        FAIL_CHECK(each);
    }
    return document;
}

// The same for a command that prints one JSON object per line.
std::vector<nlohmann::json> json_lines_of(const fs::path& root, std::vector<std::string> args) {
    args.insert(args.begin(), {"--format", "json"});
    ProcessResult result = run_ecluse(root, args);
    REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
    std::vector<nlohmann::json> lines;
    std::size_t start = 0;
    for (std::size_t end; (end = result.output.find('\n', start)) != std::string::npos;
         start = end + 1) {
        nlohmann::json line;
        CHECK_NOTHROW_MESSAGE(
            line = nlohmann::json::parse(result.output.substr(start, end - start)), result.output);
        std::vector<std::string> breaks;
        convention_breaks(line, args[2], breaks);
        for (const std::string& each : breaks) {
            FAIL_CHECK(each);
        }
        lines.push_back(line);
    }
    CHECK(start == result.output.size());
    return lines;
}

// Every field docs/json.md gives a revision.
void check_revision_fields(const nlohmann::json& revision) {
    for (const char* key : {"revision", "branch", "down_revision", "depends_on", "message",
                            "created", "transaction", "path", "is_head"}) {
        CHECK_MESSAGE(revision.contains(key), key << " missing from " << revision.dump());
    }
    CHECK(revision["depends_on"].is_array());
}

// The error object of a failed command: exit `code`, the object on stdout,
// the text on stderr; returns the object's `error`.
nlohmann::json error_of(const fs::path& root, std::vector<std::string> args, int code) {
    args.insert(args.begin(), {"--format", "json"});
    ProcessResult result = run_ecluse(root, args);
    CHECK(result.exit_code == code);
    CHECK_MESSAGE(contains(result.errors, "ecluse: error: "), result.errors);
    nlohmann::json document;
    REQUIRE_NOTHROW_MESSAGE(document = nlohmann::json::parse(result.output), result.output);
    REQUIRE(document.contains("error"));
    const nlohmann::json& error = document["error"];
    for (const char* key : {"code", "message", "hint", "because", "details", "sqlstate", "revision",
                            "file", "line", "column"}) {
        CHECK_MESSAGE(error.contains(key), key << " missing from " << error.dump());
    }
    CHECK(error["code"] == code);
    CHECK(contains(result.errors, error["message"].get<std::string>()));
    std::vector<std::string> breaks;
    convention_breaks(document, "error", breaks);
    CHECK_MESSAGE(breaks.empty(), document.dump());
    return error;
}

} // namespace

TEST_CASE("every command's --format json output is JSON that follows docs/json.md") {
    TempDir dir;
    const fs::path& root = dir.path();
    git(root, {"init", "-q", "-b", "main"});

    nlohmann::json init = json_of(root, {"init"});
    CHECK(init["created"].size() == 4);
    CHECK(contains(init["hook"].get<std::string>(), "installed the git pre-commit hook"));

    nlohmann::json pre = json_of(
        root, {"revision", "-m", "create items", "--head", "pre@head", "--rev-id", "aaaaaaaaaaa1"});
    check_revision_fields(pre);
    CHECK(pre["down_revision"].is_null());
    CHECK(pre["is_head"] == true);
    CHECK(pre["transaction"] == "per-migration");
    fs::path pre_file = root / pre["path"].get<std::string>();
    REQUIRE(fs::exists(pre_file));
    write(pre_file, read(pre_file) + "CREATE TABLE items (id int);\n");

    nlohmann::json check = json_of(root, {"check"});
    CHECK(check["ok"] == true);
    CHECK(check["heads"]["pre"] == "aaaaaaaaaaa1");
    CHECK(check["heads"]["post"].is_null());
    CHECK(check["problems"] == nlohmann::json::array());

    nlohmann::json post =
        json_of(root, {"revision", "-m", "drop items id", "--head", "post@head", "--rev-id",
                       "bbbbbbbbbbb1", "--depends-on", "aaaaaaaaaaa1"});
    check_revision_fields(post);
    CHECK(post["depends_on"] == nlohmann::json::array({"aaaaaaaaaaa1"}));

    nlohmann::json heads = json_of(root, {"heads"});
    REQUIRE(heads["heads"].size() == 2);
    for (const auto& head : heads["heads"]) {
        check_revision_fields(head);
    }
    nlohmann::json history = json_of(root, {"history"});
    REQUIRE(history["revisions"].size() == 2);
    check_revision_fields(json_of(root, {"show", "aaaa"}));
    CHECK(json_of(root, {"lint", "--all"})["findings"].is_array());

    nlohmann::json rules = json_of(root, {"lint", "--rules"});
    REQUIRE(rules["rules"].size() > 10);
    for (const auto& rule : rules["rules"]) {
        for (const char* key : {"id", "family", "severity", "on_by_default", "reason", "fix"}) {
            CHECK_MESSAGE(rule.contains(key), key << " missing from " << rule.dump());
        }
    }
    CHECK(json_of(root, {"hook", "install"}).contains("hook"));
    CHECK(json_of(root, {"hook", "run"})["conflict_file_rewritten"] == false);

    std::string url = create_database();
    nlohmann::json current = json_of(root, {"-d", url, "current"});
    CHECK(current["pre"]["revision"].is_null());
    CHECK(current["post"]["revision"].is_null());

    std::vector<nlohmann::json> plan = json_lines_of(root, {"-d", url, "deploy", "--plan"});
    REQUIRE(!plan.empty());
    CHECK(plan.back()["event"] == "plan_finished");
    CHECK(plan.front()["migrations"][0]["reason"].is_null());

    nlohmann::json upgrade = json_of(root, {"-d", url, "upgrade", "pre@head"});
    REQUIRE(upgrade["steps"].size() == 1);
    CHECK(upgrade["steps"][0]["reason"].is_null());
    CHECK(upgrade["position"]["post"].is_null());
    nlohmann::json status = json_of(root, {"-d", url, "status"});
    REQUIRE(status["revisions"].size() == 2);
    for (const auto& revision : status["revisions"]) {
        CHECK((revision["state"] == "applied") == !revision["applied_at"].is_null());
    }
    json_of(root, {"-d", url, "upgrade", "heads"});
    json_of(root, {"-d", url, "downgrade", "post@base"});
    json_of(root, {"-d", url, "stamp", "heads"});
    CHECK(json_of(root, {"-d", url, "data", "dump", "dump.sql"})["file"] == "dump.sql");
    CHECK(json_of(root, {"-d", url, "data", "load", "dump.sql"})["file"] == "dump.sql");
    json_of(root, {"-d", url, "seed", "status"});
}

TEST_CASE("a command that fails prints the error object on stdout and the text on stderr") {
    Project project;
    const fs::path& root = project.root();

    SUBCASE("bad usage: exit 2") {
        nlohmann::json error = error_of(root, {"show", "ffff"}, 2);
        CHECK(contains(error["message"].get<std::string>(), "no revision matches \"ffff\""));
        CHECK(error["sqlstate"].is_null());
        CHECK(error["revision"].is_null());
        CHECK(error["line"].is_null());
    }
    SUBCASE("revision files that cannot be read: exit 2, each at its file and line") {
        fs::path file = project.add({"aaaaaaaaaaa1", "pre", "create items", "SELECT 1;\n"});
        write(file, "-- revision: aaaaaaaaaaa1\n-- down_revision: none\n-- bogus: 1\n");
        nlohmann::json error = error_of(root, {"heads"}, 2);
        CHECK(error["message"] == "some revision files cannot be read");
        REQUIRE(error["details"].size() == 1);
        const nlohmann::json& detail = error["details"][0];
        CHECK(detail["file"] == "migrations/pre/" + file.filename().string());
        CHECK(detail["line"] == 3);
        CHECK(detail["column"].is_null());
        CHECK(detail["message"] == "unknown header key `bogus`");
        CHECK(detail["hint"].is_string());
    }
    SUBCASE("a failed migration: its SQLSTATE, revision, file and line") {
        fs::path file = project.add(
            {"aaaaaaaaaaa1", "pre", "alter nothing", "ALTER TABLE no_such_table ADD c int;\n"});
        std::string url = create_database();
        nlohmann::json error = error_of(root, {"-d", url, "upgrade", "heads"}, 1);
        CHECK(error["sqlstate"] == "42P01");
        CHECK(error["revision"] == "aaaaaaaaaaa1");
        CHECK(error["file"] == "migrations/pre/" + file.filename().string());
        CHECK(error["line"] == line_of(read(file), "ALTER TABLE"));
        CHECK(error["column"].is_number());
        CHECK(error["hint"].is_string());
    }
    SUBCASE("a database that cannot be reached: exit 4, and never the password") {
        std::string url = "postgresql://someone:s3cretpassw0rd@127.0.0.1:1/nowhere";
        ProcessResult result = run_ecluse(root, {"--format", "json", "-d", url, "current"});
        CHECK(result.exit_code == 4);
        CHECK_FALSE(contains(result.output, "s3cretpassw0rd"));
        CHECK_FALSE(contains(result.errors, "s3cretpassw0rd"));
        nlohmann::json error = error_of(root, {"-d", url, "current"}, 4);
        CHECK(error["hint"].is_string());
    }
    SUBCASE("ECLUSE_FORMAT=json asks for it too, and text gives none") {
        ProcessResult text = run_ecluse(root, {"show", "ffff"});
        CHECK(text.exit_code == 2);
        CHECK(text.output.empty());
        ProcessResult json =
            ecluse::run_process({"/usr/bin/env", "ECLUSE_FORMAT=json", std::getenv("ECLUSE_BIN"),
                                 "-C", root.string(), "show", "ffff"});
        CHECK(json.exit_code == 2);
        CHECK(nlohmann::json::parse(json.output)["error"]["code"] == 2);
    }
}
