// The git pre-commit hook: installed by init, it rewrites and stages the
// conflict file when a commit touches migrations/.

#include "tests/support/e2e.hpp"

#include <doctest/doctest.h>

using namespace ecluse::test;

namespace {

const std::string k_conflict = "alembic_version_conflict_detection.txt";

std::string revision(const std::string& id, const std::string& parent) {
    return "-- revision: " + id + "\n-- down_revision: " + parent +
           "\n-- message: m\n\n-- ecluse:upgrade\nSELECT 1;\n-- ecluse:downgrade\n";
}

} // namespace

TEST_SUITE("hook") {

    TEST_CASE("init installs the pre-commit hook in a git repository") {
        TempDir dir;
        git(dir.path(), {"init", "-q"});
        auto result = run_ecluse(dir.path(), {"init"});
        CHECK(result.exit_code == 0);
        CHECK(result.output.find("installed the git pre-commit hook") != std::string::npos);
        std::string hook = read(dir.path() / ".git/hooks/pre-commit");
        CHECK(hook.find("# ecluse pre-commit hook") != std::string::npos);
        CHECK(hook.find("hook run") != std::string::npos);
    }

    TEST_CASE("a commit that adds a revision by hand gets the conflict file rewritten and staged") {
        TempDir dir;
        init_repository(dir.path());
        write(dir.path() / "migrations/pre/1_a.sql", revision("aaaaaaaaaaa1", "none"));
        git(dir.path(), {"add", "migrations"});
        auto commit = git(dir.path(), {"commit", "-q", "-m", "add a"});
        CHECK(commit.errors.find("rewrote and staged " + k_conflict) != std::string::npos);
        CHECK(git(dir.path(), {"show", "HEAD:" + k_conflict}).output ==
              "aaaaaaaaaaa1 (pre) (head)\n");
        CHECK(git(dir.path(), {"status", "--porcelain"}).output.empty());
    }

    TEST_CASE("a commit that does not touch migrations/ is left alone") {
        TempDir dir;
        init_repository(dir.path());
        write(dir.path() / "README", "hello\n");
        write(dir.path() / k_conflict, "garbage\n");
        git(dir.path(), {"add", "README"});
        git(dir.path(), {"commit", "-q", "-m", "readme"});
        CHECK(read(dir.path() / k_conflict) == "garbage\n");
    }

    TEST_CASE("a commit that would leave two heads in a branch is refused") {
        TempDir dir;
        init_repository(dir.path());
        write(dir.path() / "migrations/pre/1_a.sql", revision("aaaaaaaaaaa1", "none"));
        write(dir.path() / "migrations/pre/2_b.sql", revision("aaaaaaaaaaa2", "none"));
        git(dir.path(), {"add", "migrations"});
        auto commit = git(dir.path(), {"commit", "-q", "-m", "two heads"}, true);
        CHECK(commit.exit_code != 0);
        CHECK(commit.errors.find("pre has 2 heads") != std::string::npos);
        CHECK(git(dir.path(), {"log", "--format=%s"}).output == "init\n");
    }

    TEST_CASE("hook install refuses to replace another hook unless --force") {
        TempDir dir;
        git(dir.path(), {"init", "-q"});
        write(dir.path() / ".git/hooks/pre-commit", "#!/bin/sh\necho mine\n");
        auto refused = run_ecluse(dir.path(), {"hook", "install"});
        CHECK(refused.exit_code == 1);
        CHECK(refused.errors.find("already exists and is not ecluse's") != std::string::npos);
        CHECK(refused.errors.find("add the line `ecluse -C \"$(git rev-parse --show-toplevel)\"/'' "
                                  "hook run || exit 1` to it") != std::string::npos);
        CHECK(read(dir.path() / ".git/hooks/pre-commit") == "#!/bin/sh\necho mine\n");
        auto forced = run_ecluse(dir.path(), {"hook", "install", "--force"});
        CHECK(forced.exit_code == 0);
        CHECK(read(dir.path() / ".git/hooks/pre-commit").find("# ecluse pre-commit hook") !=
              std::string::npos);
    }

    TEST_CASE("hook install outside git is a usage error") {
        TempDir dir;
        auto result = run_ecluse(dir.path(), {"hook", "install"});
        CHECK(result.exit_code == 2);
        CHECK(result.errors.find("not in a git work tree") != std::string::npos);
    }

    TEST_CASE("the project root may be a subfolder of the repository") {
        TempDir dir;
        git(dir.path(), {"init", "-q"});
        std::filesystem::create_directories(dir.path() / "db");
        REQUIRE(run_ecluse(dir.path(), {"-C", "db", "init"}).exit_code == 0);
        write(dir.path() / "db/migrations/pre/1_a.sql", revision("aaaaaaaaaaa1", "none"));
        git(dir.path(), {"add", "-A"});
        git(dir.path(), {"commit", "-q", "-m", "sub"});
        CHECK(git(dir.path(), {"show", "HEAD:db/" + k_conflict}).output ==
              "aaaaaaaaaaa1 (pre) (head)\n");
    }

    TEST_CASE("two projects of one repository share one hook, which serves both") {
        TempDir dir;
        git(dir.path(), {"init", "-q", "-b", "main"});
        std::filesystem::create_directories(dir.path() / "billing");
        std::filesystem::create_directories(dir.path() / "shop/db");
        REQUIRE(run_ecluse(dir.path(), {"-C", "billing", "init"}).exit_code == 0);
        auto second = run_ecluse(dir.path() / "shop/db", {"init"});
        REQUIRE(second.exit_code == 0);
        CHECK(second.output.find("updated the git pre-commit hook ") != std::string::npos);
        CHECK(second.output.find(" for the ecluse projects in billing/, shop/db/\n") !=
              std::string::npos);
        // Installing again changes nothing; the hook runs each project once.
        REQUIRE(run_ecluse(dir.path(), {"-C", "billing", "hook", "install"}).exit_code == 0);
        std::string hook = read(dir.path() / ".git/hooks/pre-commit");
        CHECK(hook.find("hook run || exit 1 # ecluse project: billing/\n") != std::string::npos);
        CHECK(hook.find("hook run || exit 1 # ecluse project: shop/db/\n") != std::string::npos);
        CHECK(hook.find("project: billing/") == hook.rfind("project: billing/"));

        write(dir.path() / "billing/migrations/pre/1_a.sql", revision("aaaaaaaaaaa1", "none"));
        write(dir.path() / "shop/db/migrations/post/1_b.sql", revision("bbbbbbbbbbb1", "none"));
        git(dir.path(), {"add", "-A"});
        git(dir.path(), {"commit", "-q", "-m", "both"});
        CHECK(git(dir.path(), {"show", "HEAD:billing/" + k_conflict}).output ==
              "aaaaaaaaaaa1 (pre) (head)\n");
        CHECK(git(dir.path(), {"show", "HEAD:shop/db/" + k_conflict}).output ==
              "bbbbbbbbbbb1 (post) (head)\n");

        // Two heads in the first project stop the commit, whatever the second holds.
        write(dir.path() / "billing/migrations/pre/2_c.sql", revision("aaaaaaaaaaa2", "none"));
        git(dir.path(), {"add", "-A"});
        auto refused = git(dir.path(), {"commit", "-q", "-m", "two heads"}, true);
        CHECK(refused.exit_code != 0);
        CHECK(refused.errors.find("pre has 2 heads") != std::string::npos);
    }

    TEST_CASE("a hook from before many projects keeps its project when another is added") {
        TempDir dir;
        git(dir.path(), {"init", "-q", "-b", "main"});
        std::filesystem::create_directories(dir.path() / "old");
        std::filesystem::create_directories(dir.path() / "new");
        write(dir.path() / ".git/hooks/pre-commit",
              "#!/bin/sh\n# ecluse pre-commit hook (installed by `ecluse hook install`).\n"
              "ecluse=ecluse\nexec \"$ecluse\" -C \"$(git rev-parse --show-toplevel)/old/\" "
              "hook run\n");
        auto result = run_ecluse(dir.path() / "new", {"init"});
        REQUIRE(result.exit_code == 0);
        CHECK(result.output.find(" for the ecluse projects in old/, new/\n") != std::string::npos);
    }

} // TEST_SUITE
