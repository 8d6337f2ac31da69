// Two lines of work each add a revision: git conflicts on the conflict file,
// `ecluse rebase` re-chains, the rebase or merge finishes. Real git.

#include "tests/e2e/database_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace ecluse::test;

namespace {

const std::string k_conflict = "alembic_version_conflict_detection.txt";

// Creates a revision and returns its id.
std::string add_revision(const std::filesystem::path& root, const std::string& message,
                         const std::string& head, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"revision", "-m", message, "--head", head, "--format", "json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto result = run_ecluse(root, args);
    REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
    return nlohmann::json::parse(result.output)["revision"];
}

void commit_all(const std::filesystem::path& root, const std::string& message) {
    git(root, {"add", "-A"});
    git(root, {"commit", "-q", "-m", message});
}

std::string down_revision_of(const std::filesystem::path& root, const std::string& id) {
    auto shown = run_ecluse(root, {"show", id, "--format", "json"});
    REQUIRE_MESSAGE(shown.exit_code == 0, shown.errors);
    auto parent = nlohmann::json::parse(shown.output)["down_revision"];
    return parent.is_null() ? "none" : parent.get<std::string>();
}

// main: two pre revisions and a post revision, committed.
struct History {
    TempDir dir;
    std::string pre1, pre2, post1;
    History() {
        init_repository(root());
        pre1 = add_revision(root(), "create users", "pre@head");
        pre2 = add_revision(root(), "add users email", "pre@head");
        post1 = add_revision(root(), "drop users legacy name", "post@head", {"--depends-on", pre2});
        commit_all(root(), "release 1");
    }
    const std::filesystem::path& root() const { return dir.path(); }
};

bool contains_text(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

// The down_revision in a revision file's header, read without ecluse (whose
// `show` needs a valid graph).
std::string header_down_revision(const std::filesystem::path& root, const std::string& id) {
    for (const auto& file : revision_files(root, "pre")) {
        if (file.filename().string().find(id) != std::string::npos) {
            std::string text = read(file);
            auto at = text.find("-- down_revision: ") + 18;
            return text.substr(at, text.find('\n', at) - at);
        }
    }
    return "";
}

// Creates a revision that creates table `table` (and drops it to undo).
std::string add_table_revision(const std::filesystem::path& root, const std::string& table) {
    std::string id = add_revision(root, "add " + table, "pre@head");
    for (const auto& file : revision_files(root, "pre")) {
        if (file.filename().string().find(id) != std::string::npos) {
            std::string text = read(file);
            text.replace(text.find("-- ecluse:upgrade\n"), 18,
                         "-- ecluse:upgrade\nCREATE TABLE " + table + " (id int);\n");
            text.replace(text.find("-- ecluse:downgrade\n"), 20,
                         "-- ecluse:downgrade\nDROP TABLE " + table + ";\n");
            write(file, text);
        }
    }
    return id;
}

// Merges `other` into the branch checked out, re-chains with `ecluse
// rebase` and commits the merge; returns rebase's output.
std::string merge_and_rebase(const std::filesystem::path& root, const std::string& other) {
    REQUIRE(git(root, {"merge", "-q", other}, true).exit_code != 0);
    auto fixed = run_ecluse(root, {"rebase"});
    REQUIRE_MESSAGE(fixed.exit_code == 0, fixed.errors);
    git(root, {"commit", "-q", "--no-edit"});
    return fixed.output;
}

} // namespace

TEST_SUITE("git rebase") {

    TEST_CASE(
        "a new user's day: parallel revisions, a rebase, a conflict, ecluse rebase, continue") {
        History h;
        CHECK(read(h.root() / k_conflict) ==
              h.pre2 + " (pre) (head)\n" + h.post1 + " (post) (head)\n");
        CHECK(run_ecluse(h.root(), {"heads"}).output == read(h.root() / k_conflict));

        git(h.root(), {"checkout", "-q", "-b", "feature"});
        std::string feature = add_revision(h.root(), "add bookings", "pre@head");
        commit_all(h.root(), "feature: bookings");

        git(h.root(), {"checkout", "-q", "main"});
        std::string upstream = add_revision(h.root(), "add venues", "pre@head");
        commit_all(h.root(), "main: venues");

        git(h.root(), {"checkout", "-q", "feature"});
        auto rebase = git(h.root(), {"rebase", "main"}, true);
        REQUIRE(rebase.exit_code != 0);
        auto status = git(h.root(), {"status", "--porcelain"});
        CHECK(status.output.find("UU " + k_conflict) != std::string::npos);

        auto heads = run_ecluse(h.root(), {"heads"});
        CHECK(heads.exit_code == 1);
        CHECK(heads.errors.find("pre has 2 heads") != std::string::npos);
        CHECK(run_ecluse(h.root(), {"check"}).exit_code == 1);

        auto fixed = run_ecluse(h.root(), {"rebase"});
        REQUIRE_MESSAGE(fixed.exit_code == 0, fixed.errors);
        CHECK(fixed.output.find("re-chained " + feature) != std::string::npos);
        CHECK(fixed.output.find("down_revision " + h.pre2 + " -> " + upstream) !=
              std::string::npos);
        CHECK(fixed.output.find("git rebase --continue") != std::string::npos);

        CHECK(read(h.root() / k_conflict) ==
              feature + " (pre) (head)\n" + h.post1 + " (post) (head)\n");
        auto check = run_ecluse(h.root(), {"check"});
        CHECK_MESSAGE(check.exit_code == 0, check.errors);
        CHECK(down_revision_of(h.root(), feature) == upstream);

        auto cont = git(h.root(), {"rebase", "--continue"}, true);
        REQUIRE_MESSAGE(cont.exit_code == 0, (cont.errors + cont.output));
        CHECK(git(h.root(), {"status", "--porcelain"}).output.empty());
        CHECK(run_ecluse(h.root(), {"check"}).exit_code == 0);
        auto log = git(h.root(), {"log", "--format=%s"}).output;
        CHECK(log == "feature: bookings\nmain: venues\nrelease 1\ninit\n");
    }

    TEST_CASE("several revisions in both branches on each side are re-chained after a merge") {
        History h;
        git(h.root(), {"checkout", "-q", "-b", "feature"});
        std::string f1 = add_revision(h.root(), "feature pre 1", "pre@head");
        std::string f2 = add_revision(h.root(), "feature pre 2", "pre@head");
        std::string fp = add_revision(h.root(), "feature post", "post@head");
        commit_all(h.root(), "feature");

        git(h.root(), {"checkout", "-q", "main"});
        std::string m1 = add_revision(h.root(), "main pre", "pre@head");
        std::string mp = add_revision(h.root(), "main post", "post@head");
        commit_all(h.root(), "main");

        git(h.root(), {"checkout", "-q", "feature"});
        auto merge = git(h.root(), {"merge", "main"}, true);
        REQUIRE(merge.exit_code != 0);

        auto fixed = run_ecluse(h.root(), {"rebase"});
        REQUIRE_MESSAGE(fixed.exit_code == 0, fixed.errors);
        CHECK(fixed.output.find("during the merge of") != std::string::npos);
        CHECK(down_revision_of(h.root(), f1) == m1);
        CHECK(down_revision_of(h.root(), f2) == f1);
        CHECK(down_revision_of(h.root(), fp) == mp);
        CHECK(read(h.root() / k_conflict) == f2 + " (pre) (head)\n" + fp + " (post) (head)\n");
        CHECK(run_ecluse(h.root(), {"check"}).exit_code == 0);

        auto commit = git(h.root(), {"commit", "-q", "--no-edit"}, true);
        REQUIRE_MESSAGE(commit.exit_code == 0, commit.errors);
        CHECK(git(h.root(), {"status", "--porcelain"}).output.empty());
    }

    TEST_CASE("a conflict only in the file, with one head per branch, just rewrites it") {
        History h;
        git(h.root(), {"checkout", "-q", "-b", "feature"});
        std::string fp = add_revision(h.root(), "feature post", "post@head");
        commit_all(h.root(), "feature");
        git(h.root(), {"checkout", "-q", "main"});
        std::string m1 = add_revision(h.root(), "main pre", "pre@head");
        commit_all(h.root(), "main");
        git(h.root(), {"checkout", "-q", "feature"});
        auto rebase = git(h.root(), {"rebase", "main"}, true);
        if (rebase.exit_code != 0) {
            CHECK(run_ecluse(h.root(), {"check"}).exit_code == 1);
            auto fixed = run_ecluse(h.root(), {"rebase"});
            REQUIRE_MESSAGE(fixed.exit_code == 0, fixed.errors);
            CHECK(fixed.output.find("re-chained") == std::string::npos);
            CHECK(fixed.output.find("rewrote " + k_conflict) != std::string::npos);
            REQUIRE(git(h.root(), {"rebase", "--continue"}, true).exit_code == 0);
        }
        CHECK(read(h.root() / k_conflict) == m1 + " (pre) (head)\n" + fp + " (post) (head)\n");
        CHECK(run_ecluse(h.root(), {"check"}).exit_code == 0);
    }

    TEST_CASE("rebase REV --onto REV works without git, and refuses a cycle") {
        TempDir dir;
        REQUIRE(run_ecluse(dir.path(), {"init", "--no-hook"}).exit_code == 0);
        std::string base = add_revision(dir.path(), "base", "pre@head");
        std::string a = add_revision(dir.path(), "a", "pre@head");
        // A second revision on `base`, as a merge would leave it.
        std::string copy;
        for (const auto& file : revision_files(dir.path(), "pre")) {
            if (file.filename().string().find(a) != std::string::npos) {
                copy = read(file);
            }
        }
        copy.replace(copy.find(a), 12, "bbbbbbbbbbbb");
        write(dir.path() / "migrations/pre/29991231T000000_bbbbbbbbbbbb_b.sql", copy);
        CHECK(run_ecluse(dir.path(), {"check"}).exit_code == 1);

        auto cycle = run_ecluse(dir.path(), {"rebase", base, "--onto", a});
        CHECK(cycle.exit_code == 2);
        CHECK(cycle.errors.find("already comes after") != std::string::npos);

        auto no_git = run_ecluse(dir.path(), {"rebase"});
        CHECK(no_git.exit_code == 2);
        CHECK(no_git.errors.find("rebase REV --onto REV") != std::string::npos);

        auto fixed = run_ecluse(dir.path(), {"rebase", "bbbb", "--onto", a.substr(0, 6)});
        REQUIRE_MESSAGE(fixed.exit_code == 0, fixed.errors);
        CHECK(fixed.output.find("re-chained bbbbbbbbbbbb") != std::string::npos);
        CHECK(down_revision_of(dir.path(), "bbbbbbbbbbbb") == a);
        CHECK(read(dir.path() / k_conflict) == "bbbbbbbbbbbb (pre) (head)\n");
        CHECK(run_ecluse(dir.path(), {"check"}).exit_code == 0);
    }

    TEST_CASE("history after a merge of two lines of work prints both, each revision marked with "
              "its head, and exits 0; check still fails") {
        History h;
        git(h.root(), {"checkout", "-q", "-b", "feature"});
        std::string bookings = add_revision(h.root(), "add bookings", "pre@head");
        std::string amounts = add_revision(h.root(), "add bookings amount", "pre@head");
        commit_all(h.root(), "feature: bookings");
        git(h.root(), {"checkout", "-q", "main"});
        std::string venues = add_revision(h.root(), "add venues", "pre@head");
        commit_all(h.root(), "main: venues");
        REQUIRE(git(h.root(), {"merge", "-q", "feature"}, true).exit_code != 0);
        git(h.root(), {"checkout", "--ours", k_conflict});
        // The pre-commit hook refuses the two heads: the merge is committed past it.
        git(h.root(), {"add", "-A"});
        git(h.root(), {"commit", "-q", "--no-verify", "-m", "merge feature"});

        auto history = run_ecluse(h.root(), {"history"});
        CHECK_MESSAGE(history.exit_code == 0, history.errors);
        CHECK(contains_text(history.output,
                            h.pre2 + " -> " + venues + " (pre) (head), add venues\n"));
        CHECK(contains_text(history.output,
                            bookings + " -> " + amounts + " (pre) (head), add bookings amount\n"));
        CHECK(contains_text(history.output, h.pre2 + " -> " + bookings + " (pre) (line of head " +
                                                amounts + "), add bookings\n"));
        CHECK(contains_text(history.output,
                            h.pre1 + " -> " + h.pre2 + " (pre) (branchpoint), add users email\n"));
        CHECK(contains_text(history.output, "<base> -> " + h.pre1 + " (pre), create users\n"));
        CHECK(contains_text(history.output, " -> " + h.post1 + " (post) (head)"));
        CHECK(contains_text(history.errors, "pre has 2 heads"));
        CHECK(run_ecluse(h.root(), {"check"}).exit_code == 1);
    }

    TEST_CASE("feature merges main: the dev database's hole is refused by upgrade, check -d and "
              "deploy until --out-of-order applies it, saying so") {
        History h;
        std::string url = create_database();
        REQUIRE(run_on(h.root(), url, {"upgrade", "heads"}).exit_code == 0);
        git(h.root(), {"checkout", "-q", "-b", "feature"});
        std::string bookings = add_table_revision(h.root(), "bookings");
        commit_all(h.root(), "feature: bookings");
        REQUIRE(run_on(h.root(), url, {"upgrade", "heads"}).exit_code == 0);
        git(h.root(), {"checkout", "-q", "main"});
        std::string venues = add_table_revision(h.root(), "venues");
        commit_all(h.root(), "main: venues");
        git(h.root(), {"checkout", "-q", "feature"});

        CHECK(contains_text(merge_and_rebase(h.root(), "main"), "re-chained " + bookings));
        CHECK(down_revision_of(h.root(), bookings) == venues);
        CHECK(down_revision_of(h.root(), venues) == h.pre2);
        CHECK(states(h.root(), url)[venues] == "out_of_order");

        auto refused = run_on(h.root(), url, {"upgrade", "heads"});
        CHECK(refused.exit_code == 1);
        CHECK(contains_text(refused.errors, "revision " + venues));
        CHECK(contains_text(refused.errors, "out of order"));
        CHECK(contains_text(refused.errors, "ecluse upgrade --out-of-order"));
        CHECK(contains_text(refused.errors, "ecluse downgrade " + h.pre2));
        CHECK_FALSE(relation_exists(url, "venues"));
        auto check = run_on(h.root(), url, {"check"});
        CHECK(check.exit_code == 1);
        CHECK(contains_text(check.errors, venues));
        auto plan = run_on(h.root(), url, {"deploy", "--plan"});
        CHECK(plan.exit_code == 1);
        CHECK(contains_text(plan.errors, venues));
        auto script = run_on(h.root(), url, {"upgrade", "heads", "--sql"});
        CHECK(script.exit_code == 1);

        // [migrate] out_of_order lets deploy plan it; --out-of-order applies it.
        write(h.root() / "ecluse.toml", "[migrate]\nout_of_order = true\n");
        auto allowed = run_on(h.root(), url, {"deploy", "--plan"});
        CHECK_MESSAGE(allowed.exit_code == 0, allowed.errors);
        CHECK(contains_text(allowed.output, venues));
        CHECK(contains_text(allowed.output, "out of order"));
        CHECK(run_on(h.root(), url, {"check"}).exit_code == 0);
        write(h.root() / "ecluse.toml", "");
        auto applied = run_on(h.root(), url, {"upgrade", "heads", "--out-of-order"});
        REQUIRE_MESSAGE(applied.exit_code == 0, applied.errors);
        CHECK(contains_text(applied.output, venues));
        CHECK(contains_text(applied.output, "out of order"));
        CHECK(relation_exists(url, "venues"));
        CHECK(states(h.root(), url)[venues] == "applied");
        CHECK(contains_text(run_on(h.root(), url, {"current"}).output, bookings + " (pre) (head)"));
        auto again = run_on(h.root(), url, {"upgrade", "heads"});
        CHECK_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(run_on(h.root(), url, {"check"}).exit_code == 0);

        // Both are undone going down past them.
        auto down = run_on(h.root(), url, {"downgrade", h.pre2});
        REQUIRE_MESSAGE(down.exit_code == 0, down.errors);
        CHECK_FALSE(relation_exists(url, "venues"));
        CHECK_FALSE(relation_exists(url, "bookings"));
    }

    TEST_CASE("main merges feature: main's committed revision stays where it is and production, "
              "which has it, gets the feature's") {
        History h;
        std::string url = create_database();
        git(h.root(), {"checkout", "-q", "-b", "feature"});
        std::string bookings = add_table_revision(h.root(), "bookings");
        commit_all(h.root(), "feature: bookings");
        git(h.root(), {"checkout", "-q", "main"});
        std::string venues = add_table_revision(h.root(), "venues");
        commit_all(h.root(), "main: venues");
        REQUIRE(run_on(h.root(), url, {"upgrade", "heads"}).exit_code == 0);

        CHECK(contains_text(merge_and_rebase(h.root(), "feature"), "re-chained " + bookings));
        CHECK(down_revision_of(h.root(), venues) == h.pre2);
        CHECK(down_revision_of(h.root(), bookings) == venues);
        auto upgrade = run_on(h.root(), url, {"upgrade", "heads"});
        REQUIRE_MESSAGE(upgrade.exit_code == 0, upgrade.errors);
        CHECK(relation_exists(url, "bookings"));
        CHECK(run_on(h.root(), url, {"check"}).exit_code == 0);
    }

    TEST_CASE("two lines of work that are both not on main: rebase moves neither and asks for "
              "--onto") {
        History h;
        git(h.root(), {"checkout", "-q", "-b", "feature-a"});
        std::string a = add_revision(h.root(), "add a", "pre@head");
        commit_all(h.root(), "a");
        git(h.root(), {"checkout", "-q", "main"});
        git(h.root(), {"checkout", "-q", "-b", "feature-b"});
        std::string b = add_revision(h.root(), "add b", "pre@head");
        commit_all(h.root(), "b");
        REQUIRE(git(h.root(), {"merge", "-q", "feature-a"}, true).exit_code != 0);
        auto refused = run_ecluse(h.root(), {"rebase"});
        CHECK(refused.exit_code == 1);
        CHECK(contains_text(refused.errors, "cannot tell"));
        CHECK(contains_text(refused.errors, "--onto"));
        CHECK(header_down_revision(h.root(), a) == h.pre2);
        CHECK(header_down_revision(h.root(), b) == h.pre2);
        // The integration branch can be named: then feature-b's revision stays.
        write(h.root() / "ecluse.toml", "[rebase]\nintegration_branch = \"feature-b\"\n");
        auto named = run_ecluse(h.root(), {"rebase"});
        CHECK_MESSAGE(named.exit_code == 0, named.errors);
        CHECK(down_revision_of(h.root(), a) == b);
    }
} // TEST_SUITE
