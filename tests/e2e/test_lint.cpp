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

    TEST_CASE("github annotations name files from the repository's top, with the rule as title") {
        TempDir dir;
        fs::path project = dir.path() / "services/db";
        fs::create_directories(project);
        copy_example(project);
        git(dir.path(), {"init", "-q", "-b", "main"});
        fs::path path = add_pre_revision(project, "ALTER TABLE bookings DROP COLUMN amount;");
        std::string from_top = fs::relative(path, dir.path()).string();
        std::string annotation =
            "::error file=" + from_top + ",line=8,col=1,title=pre-drop-column::";

        ProcessResult lint = run_ecluse(project, {"--format", "github", "lint", "--all"});
        CHECK(lint.exit_code == 1);
        CHECK(lint.output.find(annotation + "DROP COLUMN bookings.amount") == 0);
        ProcessResult from_above =
            run_ecluse(dir.path(), {"-C", "services/db", "--format", "github", "lint", "--all"});
        CHECK(from_above.output.find(annotation + "DROP COLUMN bookings.amount") == 0);
        ProcessResult file = run_ecluse(
            project, {"--format", "github", "lint", fs::relative(path, project).string()});
        CHECK(file.output.find(annotation + "DROP COLUMN bookings.amount") == 0);

        ProcessResult check = run_ecluse(project, {"--format", "github", "check"});
        CHECK(check.exit_code == 1);
        CHECK(check.output.find(annotation + "pre-drop-column: DROP COLUMN bookings.amount") == 0);
        CHECK(check.output.find("(fix: stop using the column in code N+1") != std::string::npos);
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

    TEST_CASE("a pushed feature branch is compared with the remote's default branch") {
        TempDir dir;
        fs::path remote = dir.path() / "remote.git";
        fs::path work = dir.path() / "work";
        git(dir.path(), {"init", "-q", "--bare", "-b", "main", remote.string()});
        fs::create_directories(work);
        copy_example(work);
        git(work, {"init", "-q", "-b", "main"});
        git(work, {"add", "."});
        git(work, {"commit", "-q", "-m", "example"});
        git(work, {"remote", "add", "origin", remote.string()});
        git(work, {"push", "-q", "-u", "origin", "main"});
        git(work, {"remote", "set-head", "origin", "main"});
        git(work, {"checkout", "-q", "-b", "feature"});
        add_pre_revision(work, "ALTER TABLE bookings DROP COLUMN amount;");
        git(work, {"add", "."});
        git(work, {"commit", "-q", "-m", "drop amount"});
        git(work, {"push", "-q", "-u", "origin", "feature"}); // its upstream: origin/feature
        ProcessResult lint = run_ecluse(work, {"lint"});
        CHECK(lint.exit_code == 1);
        CHECK(lint.errors.find("pre-drop-column error: DROP COLUMN bookings.amount") !=
              std::string::npos);
        // The summary is on stdout, findings or not.
        CHECK(lint.output.find("lint: 1 revision not in origin/main (merge base ") !=
              std::string::npos);
    }

    TEST_CASE("without an integration branch: every revision, said on stderr; --base names one") {
        TempDir dir;
        copy_example(dir.path());
        git(dir.path(), {"init", "-q", "-b", "trunk"});
        git(dir.path(), {"add", "."});
        git(dir.path(), {"commit", "-q", "-m", "example"});
        git(dir.path(), {"checkout", "-q", "-b", "feature"});
        add_pre_revision(dir.path(), "ALTER TABLE bookings ADD COLUMN note text;");

        ProcessResult lint = run_ecluse(dir.path(), {"lint"});
        CHECK_MESSAGE(lint.exit_code == 0, lint.errors);
        CHECK(lint.errors.find("lint: no remote default branch (origin/HEAD), main or master to "
                               "compare with: linting every revision; name the base with --base "
                               "REF or `base` in ecluse.toml's [lint] table") != std::string::npos);
        CHECK(lint.output.find("lint: all 13 revisions (no remote default branch") == 0);

        ProcessResult named = run_ecluse(dir.path(), {"lint", "--base", "trunk"});
        CHECK_MESSAGE(named.exit_code == 0, named.errors);
        CHECK(named.errors.empty());
        CHECK(named.output.find("lint: 1 revision not in trunk (merge base ") == 0);

        write(dir.path() / "ecluse.toml", "[lint]\nbase = \"trunk\"\n");
        ProcessResult configured = run_ecluse(dir.path(), {"lint"});
        CHECK_MESSAGE(configured.exit_code == 0, configured.errors);
        CHECK(configured.output.find("lint: 1 revision not in trunk (merge base ") == 0);

        ProcessResult unknown = run_ecluse(dir.path(), {"lint", "--base", "nope"});
        CHECK(unknown.exit_code == 2);
        CHECK(unknown.errors.find("the integration branch \"nope\" (--base) is not a branch git "
                                  "knows") != std::string::npos);
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
