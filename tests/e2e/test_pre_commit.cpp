// The hooks of .pre-commit-hooks.yaml under the real pre-commit framework
// (https://pre-commit.com), offline: a `repo: local` configuration made of
// those hooks, in a real git repository. Skipped (exit 77) when pre-commit
// is not installed.

#define DOCTEST_CONFIG_IMPLEMENT
#include "tests/support/e2e.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <sstream>
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

const std::string k_conflict = "alembic_version_conflict_detection.txt";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A project in a git repository whose commits run the documented hooks
// through `pre-commit install`; its pre-commit cache stays in the folder.
struct FrameworkRepository {
    TempDir dir;
    fs::path root() const { return dir.path() / "repo"; }

    FrameworkRepository() {
        fs::create_directories(root());
        git(root(), {"init", "-q", "-b", "main"});
        REQUIRE(run_ecluse(root(), {"init", "--no-hook"}).exit_code == 0);
        std::string config = "repos:\n- repo: local\n  hooks:\n";
        std::istringstream hooks(read(source_root() / ".pre-commit-hooks.yaml"));
        for (std::string line; std::getline(hooks, line);) {
            if (!line.empty() && line[0] != '#') {
                config += "  " + line + "\n";
            }
        }
        write(root() / ".pre-commit-config.yaml", config);
        ProcessResult install = pre_commit({"install"});
        REQUIRE_MESSAGE(install.exit_code == 0, (install.output + install.errors));
        git(root(), {"add", "-A"});
        ProcessResult first = git(root(), {"commit", "-q", "-m", "init"}, true);
        REQUIRE_MESSAGE(first.exit_code == 0, (first.output + first.errors));
    }

    ProcessResult pre_commit(const std::vector<std::string>& args) const {
        std::vector<std::string> argv = {"pre-commit"};
        argv.insert(argv.end(), args.begin(), args.end());
        ecluse::ProcessOptions options;
        options.working_directory = root();
        return ecluse::run_process(argv, options);
    }

    // `ecluse revision` in pre; returns the new file, relative to the root.
    std::string add_revision() const {
        ProcessResult made = run_ecluse(root(), {"revision", "-m", "add x", "--head", "pre@head"});
        REQUIRE_MESSAGE(made.exit_code == 0, made.errors);
        return made.output.substr(0, made.output.find('\n'));
    }

    ProcessResult commit(const std::string& message) const {
        return git(root(), {"commit", "-q", "-m", message}, true);
    }
};

} // namespace

TEST_SUITE("pre-commit framework") {

    TEST_CASE("revision, stage only the .sql, commit: refused with what to stage, nothing lost") {
        FrameworkRepository repo;
        std::string sql = repo.add_revision();
        std::string wanted = read(repo.root() / k_conflict);
        git(repo.root(), {"add", sql});

        ProcessResult refused = repo.commit("add x");
        std::string said = refused.output + refused.errors;
        CHECK_MESSAGE(refused.exit_code != 0, said);
        CHECK_MESSAGE(!contains(said, "An unexpected error has occurred"), said);
        CHECK_MESSAGE(!contains(said, "conflicted with hook auto-fixes"), said);
        CHECK_MESSAGE(contains(said, "git add " + k_conflict), said);
        CHECK_MESSAGE(contains(said, "(in the commit being made)"), said);
        // The work tree and the index are as they were.
        CHECK(read(repo.root() / k_conflict) == wanted);
        CHECK(git(repo.root(), {"diff", "--cached", "--name-only"}).output == sql + "\n");

        git(repo.root(), {"add", k_conflict});
        ProcessResult committed = repo.commit("add x");
        CHECK_MESSAGE(committed.exit_code == 0, (committed.output + committed.errors));
        CHECK(git(repo.root(), {"show", "HEAD:" + k_conflict}).output == wanted);
        CHECK(git(repo.root(), {"status", "--porcelain"}).output.empty());
    }

    TEST_CASE("revision, stage everything, commit: passes at once") {
        FrameworkRepository repo;
        repo.add_revision();
        std::string wanted = read(repo.root() / k_conflict);
        git(repo.root(), {"add", "-A"});
        ProcessResult committed = repo.commit("add x");
        CHECK_MESSAGE(committed.exit_code == 0, (committed.output + committed.errors));
        CHECK(git(repo.root(), {"show", "HEAD:" + k_conflict}).output == wanted);
        CHECK(git(repo.root(), {"status", "--porcelain"}).output.empty());
    }

    TEST_CASE("a stale conflict file is refused until rewritten and staged") {
        FrameworkRepository repo;
        std::string sql = repo.add_revision();
        write(repo.root() / k_conflict, ""); // as it was before the revision
        git(repo.root(), {"add", "-A"});
        ProcessResult refused = repo.commit("add x");
        std::string said = refused.output + refused.errors;
        CHECK_MESSAGE(refused.exit_code != 0, said);
        CHECK_MESSAGE(!contains(said, "An unexpected error has occurred"), said);
        CHECK_MESSAGE(contains(said, "the file does not match the heads on disk"), said);
        CHECK_MESSAGE(contains(said, "ecluse heads --rewrite"), said);
        CHECK(read(repo.root() / k_conflict).empty());

        REQUIRE(run_ecluse(repo.root(), {"heads", "--rewrite"}).exit_code == 0);
        git(repo.root(), {"add", k_conflict});
        ProcessResult committed = repo.commit("add x");
        CHECK_MESSAGE(committed.exit_code == 0, (committed.output + committed.errors));
        CHECK(git(repo.root(), {"status", "--porcelain"}).output.empty());
    }

} // TEST_SUITE

int main(int argc, char** argv) {
    ProcessResult version = [] {
        try {
            return ecluse::run_process({"pre-commit", "--version"});
        } catch (const std::exception&) {
            return ProcessResult{127, "", ""};
        }
    }();
    if (version.exit_code != 0) {
        std::cout << "skipped: the pre-commit framework is not installed (apt-get install "
                     "pre-commit)\n";
        return 77;
    }
    // The hooks' `entry: ecluse ...` finds the ecluse under test first.
    const char* bin = std::getenv("ECLUSE_BIN");
    const char* path = std::getenv("PATH");
    if (bin != nullptr) {
        std::string folder = fs::path(bin).parent_path().string();
        ::setenv("PATH", (folder + ":" + (path != nullptr ? path : "/usr/bin:/bin")).c_str(), 1);
    }
    // pre-commit's own cache, away from the user's.
    TempDir cache;
    ::setenv("PRE_COMMIT_HOME", cache.path().c_str(), 1);
    doctest::Context context(argc, argv);
    return context.run();
}
