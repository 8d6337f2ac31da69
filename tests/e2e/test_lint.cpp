// `ecluse lint` and lint in `check`: the real binary on real projects, in
// real git repositories.

#include "tests/support/e2e.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

namespace fs = std::filesystem;
using ecluse::ProcessResult;
using ecluse::test::git;
using ecluse::test::read;
using ecluse::test::run_ecluse;
using ecluse::test::source_root;
using ecluse::test::TempDir;
using ecluse::test::write;

namespace {

// The example application copied into `dir` (migrations and conflict file).
void copy_example(const fs::path& dir) {
    fs::copy(source_root() / "migrations", dir / "migrations", fs::copy_options::recursive);
    fs::copy_file(source_root() / "alembic_version_conflict_detection.txt",
                  dir / "alembic_version_conflict_detection.txt");
}

std::string pre_head(const fs::path& dir) {
    std::string heads = read(dir / "alembic_version_conflict_detection.txt");
    return heads.substr(0, 12);
}

// Adds a pre revision holding `sql` with `ecluse revision`; returns its path.
fs::path add_pre_revision(const fs::path& dir, const std::string& sql) {
    ProcessResult made = run_ecluse(dir, {"revision", "-m", "lint me", "--head", "pre@head"});
    REQUIRE_MESSAGE(made.exit_code == 0, made.errors);
    fs::path path = dir / std::string(made.output.substr(0, made.output.find('\n')));
    std::string content = read(path);
    content.replace(content.find("-- ecluse:upgrade\n") + 18, 0, sql + "\n");
    write(path, content);
    return path;
}

} // namespace

TEST_SUITE("e2e lint") {
    TEST_CASE("the repository's example application lints clean, and check passes") {
        ProcessResult lint = run_ecluse(source_root(), {"lint", "--all"});
        CHECK_MESSAGE(lint.exit_code == 0, lint.errors);
        CHECK(lint.errors == "");
        CHECK(lint.output.find("lint: all 12 revisions") == 0);
        CHECK(lint.output.find(": 23 statements, 0 errors, 0 warnings\n") != std::string::npos);
        ProcessResult check = run_ecluse(source_root(), {"check"});
        CHECK_MESSAGE(check.exit_code == 0, check.errors);
    }

    TEST_CASE("the example follows the naming conventions when they are switched on") {
        TempDir dir;
        copy_example(dir.path());
        write(dir.path() / "ecluse.toml", "[lint]\nenable = [\"conventions\"]\n");
        ProcessResult lint = run_ecluse(dir.path(), {"lint", "--all"});
        CHECK_MESSAGE(lint.exit_code == 0, lint.errors);
        CHECK(lint.errors == "");
    }

    TEST_CASE("an unsafe pre revision: text, json and github output, exit 1, check fails") {
        TempDir dir;
        copy_example(dir.path());
        fs::path path = add_pre_revision(dir.path(), "ALTER TABLE bookings DROP COLUMN amount;");
        std::string relative = fs::relative(path, dir.path()).string();

        ProcessResult text = run_ecluse(dir.path(), {"lint", "--all"});
        CHECK(text.exit_code == 1);
        CHECK(text.errors.find(relative +
                               ":8:1 pre-drop-column error: DROP COLUMN bookings.amount: code N "
                               "still reads and writes this column") == 0);
        CHECK(text.errors.find("\n    fix: stop using the column in code N+1, then drop it in a "
                               "post revision\n") != std::string::npos);
        // The summary is on stdout, as when nothing is found; the findings on stderr.
        CHECK(text.output == "lint: all 13 revisions: 24 statements, 1 error, 0 warnings\n");
        CHECK(text.errors.find("lint: ") == std::string::npos);

        ProcessResult json =
            run_ecluse(dir.path(), {"--format", "json", "lint", pre_head(dir.path())});
        CHECK(json.exit_code == 1);
        auto document = nlohmann::json::parse(json.output);
        CHECK(document["ok"] == false);
        REQUIRE(document["findings"].size() == 1);
        CHECK(document["findings"][0]["rule"] == "pre-drop-column");
        CHECK(document["findings"][0]["file"] == relative);
        CHECK(document["findings"][0]["line"] == 8);
        CHECK(document["findings"][0]["column"] == 1);
        CHECK(document["findings"][0]["severity"] == "error");

        ProcessResult github = run_ecluse(dir.path(), {"--format", "github", "lint", relative});
        CHECK(github.exit_code == 1);
        CHECK(github.output.find("::error file=" + relative +
                                 ",line=8,col=1,title=pre-drop-column::DROP COLUMN") == 0);

        ProcessResult check = run_ecluse(dir.path(), {"check"});
        CHECK(check.exit_code == 1);
        CHECK(check.errors.find(relative + ":8:1: pre-drop-column: DROP COLUMN bookings.amount") !=
              std::string::npos);
    }

    TEST_CASE("an ignore with a reason makes it pass; without a reason it is an error") {
        TempDir dir;
        copy_example(dir.path());
        fs::path path = add_pre_revision(
            dir.path(), "-- ecluse:ignore pre-drop-column no release ever read it\n"
                        "ALTER TABLE bookings DROP COLUMN amount;");
        CHECK(run_ecluse(dir.path(), {"lint", "--all"}).exit_code == 0);
        std::string content = read(path);
        content.replace(content.find(" no release ever read it"), 24, "");
        write(path, content);
        ProcessResult lint = run_ecluse(dir.path(), {"lint", "--all"});
        CHECK(lint.exit_code == 1);
        CHECK(lint.errors.find("ignore-missing-reason") != std::string::npos);
        CHECK(lint.errors.find("pre-drop-column error") != std::string::npos);
    }

    TEST_CASE("malformed SQL: the parser's message at file:line:col, exit 2") {
        TempDir dir;
        copy_example(dir.path());
        fs::path path = add_pre_revision(
            dir.path(), "UPDATE bookings SET amount = 1;\nALTER TABLE bookings ADD COLUMN;");
        std::string relative = fs::relative(path, dir.path()).string();
        ProcessResult lint = run_ecluse(dir.path(), {"lint", "--all"});
        CHECK(lint.exit_code == 2);
        CHECK(lint.errors.find(relative +
                               ":9:32 syntax-error error: syntax error at or near \";\"") == 0);
    }

    TEST_CASE("an unknown rule in ecluse.toml is bad input naming its line") {
        TempDir dir;
        copy_example(dir.path());
        write(dir.path() / "ecluse.toml", "[lint]\n\ndisable = [\"locking-lock-tabel\"]\n");
        ProcessResult lint = run_ecluse(dir.path(), {"lint"});
        CHECK(lint.exit_code == 2);
        CHECK(lint.errors.find("ecluse.toml:3: [lint] names an unknown rule "
                               "\"locking-lock-tabel\"") != std::string::npos);
        CHECK(lint.errors.find("did you mean locking-lock-table?") != std::string::npos);
    }

    TEST_CASE("by default: only the revisions not yet in the upstream branch") {
        TempDir dir;
        copy_example(dir.path());
        git(dir.path(), {"init", "-q", "-b", "main"});
        git(dir.path(), {"add", "."});
        git(dir.path(), {"commit", "-q", "-m", "example"});
        git(dir.path(), {"checkout", "-q", "-b", "feature"});
        add_pre_revision(dir.path(), "ALTER TABLE bookings ADD COLUMN note text;");
        ProcessResult lint = run_ecluse(dir.path(), {"lint"});
        CHECK_MESSAGE(lint.exit_code == 0, lint.errors);
        CHECK(lint.output.find("lint: 1 revision not in main (merge base ") == 0);
        CHECK(lint.output.find("): 1 statement, 0 errors, 0 warnings\n") != std::string::npos);
    }

    TEST_CASE("without git: every revision, and it says so") {
        TempDir dir;
        copy_example(dir.path());
        ProcessResult lint = run_ecluse(dir.path(), {"lint"});
        CHECK_MESSAGE(lint.exit_code == 0, lint.errors);
        CHECK(lint.output.find("lint: all 12 revisions (not a git work tree") == 0);
    }

    TEST_CASE("revision prints what belongs in its branch") {
        TempDir dir;
        copy_example(dir.path());
        ProcessResult made = run_ecluse(dir.path(), {"revision", "-m", "x", "--head", "post@head"});
        CHECK(made.exit_code == 0);
        CHECK(made.errors.find("post: runs once the new code runs.") == 0);
    }
}
