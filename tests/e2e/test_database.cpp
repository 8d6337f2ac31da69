// The database side, end to end: the real ecluse against a real PostgreSQL
// (one scratch server for this executable, one database per test case).
// Each test checks what a user sees (exit code, output) and what the
// database holds afterwards.

#include "tests/e2e/database_support.hpp"
#include "util/file.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace fs = std::filesystem;
using ecluse::ProcessResult;
using namespace ecluse::test;

namespace {

// The example application of the repository, copied into a temporary
// folder so that a test may change it.
class ExampleProject {
public:
    ExampleProject() {
        fs::copy(source_root() / "migrations", root() / "migrations", fs::copy_options::recursive);
        fs::copy(source_root() / "alembic_version_conflict_detection.txt", root());
    }
    const fs::path& root() const { return m_dir.path(); }

private:
    TempDir m_dir;
};

// `current --format json` as "pre-revision post-revision", "base" for none.
std::string current(const fs::path& root, const std::string& url) {
    ProcessResult result = run_on(root, url, {"--format", "json", "current"});
    REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
    auto document = nlohmann::json::parse(result.output);
    auto at = [&](const char* branch) {
        const auto& revision = document[branch]["revision"];
        return revision.is_null() ? std::string("base") : revision.get<std::string>();
    };
    return at("pre") + " " + at("post");
}

std::string applied_ids(const std::string& url) {
    return psql(url, "SELECT coalesce(string_agg(revision, ',' ORDER BY revision), '') "
                     "FROM ecluse.applied_revision");
}

// The tables of the public schema, comma separated, sorted.
std::string public_tables(const std::string& url) {
    return psql(url, "SELECT coalesce(string_agg(tablename, ',' ORDER BY tablename), '') "
                     "FROM pg_tables WHERE schemaname = 'public'");
}

int count_lines_with(const std::string& text, const std::string& needle) {
    int count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

struct ExampleRevision {
    std::string id;
    std::string branch;
    std::vector<std::string> depends_on;
};

// The example's revisions, from `history --format json`, oldest first.
std::vector<ExampleRevision> example_revisions(const fs::path& root) {
    ProcessResult history = run_ecluse(root, {"--format", "json", "history"});
    REQUIRE_MESSAGE(history.exit_code == 0, history.errors);
    std::vector<ExampleRevision> out;
    nlohmann::json document = nlohmann::json::parse(history.output);
    for (const auto& revision : document["revisions"]) {
        ExampleRevision entry{
            revision["revision"].get<std::string>(), revision["branch"].get<std::string>(), {}};
        for (const auto& dependency : revision["depends_on"]) {
            entry.depends_on.push_back(dependency.get<std::string>());
        }
        out.insert(out.begin(), entry);
    }
    return out;
}

const char* const k_example_tables = "bookings,categories,offers,users,venues";

} // namespace

TEST_SUITE("example application") {

    TEST_CASE("pre, then post, then down to base and up again, with current and status right at "
              "every step") {
        ExampleProject project;
        const fs::path& root = project.root();
        std::string url = create_database();
        std::vector<ExampleRevision> revisions = example_revisions(root);
        std::string pre_head;
        std::string post_head;
        std::set<std::string> pre;
        std::set<std::string> post;
        for (const auto& revision : revisions) {
            (revision.branch == "pre" ? pre : post).insert(revision.id);
            (revision.branch == "pre" ? pre_head : post_head) = revision.id;
        }
        REQUIRE(pre.size() == 7);
        REQUIRE(post.size() == 5);
        auto all_in = [&](const std::map<std::string, std::string>& found,
                          const std::set<std::string>& ids, const std::string& state) {
            for (const auto& id : ids) {
                CHECK_MESSAGE(found.at(id) == state, id);
            }
        };

        // A fresh database: both branches at base, everything pending.
        ProcessResult before = run_on(root, url, {"current"});
        CHECK(before.exit_code == 0);
        CHECK(before.output == "base (pre)\nbase (post)\n");
        auto found = states(root, url);
        CHECK(found.size() == 12);
        all_in(found, pre, "pending");
        all_in(found, post, "pending");

        // pre@head applies the seven pre revisions and nothing of post.
        ProcessResult up_pre = run_on(root, url, {"upgrade", "pre@head"});
        REQUIRE_MESSAGE(up_pre.exit_code == 0, up_pre.errors);
        CHECK(count_lines_with(up_pre.output, "  applied pre  ") == 7);
        CHECK(count_lines_with(up_pre.output, "applied post") == 0);
        CHECK(
            contains(up_pre.output, "7 revisions; pre at " + pre_head + " (head), post at base\n"));
        CHECK(run_on(root, url, {"current"}).output == pre_head + " (pre) (head)\nbase (post)\n");
        found = states(root, url);
        all_in(found, pre, "applied");
        all_in(found, post, "pending");
        CHECK(public_tables(url) == k_example_tables);
        CHECK(ledger_rows(url) == 7);
        CHECK(ledger_rows(url, "branch = 'post'") == 0);
        // The column that post drops is still there, and post's check is not.
        CHECK(psql(url,
                   "SELECT count(*) FROM information_schema.columns WHERE table_name = 'bookings' "
                   "AND column_name = 'legacy_price'") == "1");
        CHECK(psql(url,
                   "SELECT count(*) FROM pg_constraint WHERE conname = 'users_email_lowercase'") ==
              "0");

        // Running it again does nothing.
        ProcessResult again = run_on(root, url, {"upgrade", "pre@head"});
        CHECK(again.exit_code == 0);
        CHECK(contains(again.output,
                       "nothing to do: pre at " + pre_head + " (head), post at base\n"));
        CHECK(ledger_rows(url) == 7);

        // post@head applies the five post revisions.
        ProcessResult up_post = run_on(root, url, {"upgrade", "post@head"});
        REQUIRE_MESSAGE(up_post.exit_code == 0, up_post.errors);
        CHECK(count_lines_with(up_post.output, "  applied post ") == 5);
        CHECK(count_lines_with(up_post.output, "applied pre") == 0);
        CHECK(run_on(root, url, {"current"}).output ==
              pre_head + " (pre) (head)\n" + post_head + " (post) (head)\n");
        CHECK(current(root, url) == pre_head + " " + post_head);
        found = states(root, url);
        all_in(found, pre, "applied");
        all_in(found, post, "applied");
        CHECK(ledger_rows(url) == 12);
        CHECK(psql(url,
                   "SELECT count(*) FROM information_schema.columns WHERE table_name = 'bookings' "
                   "AND column_name = 'legacy_price'") == "0");
        CHECK(
            psql(
                url,
                "SELECT convalidated FROM pg_constraint WHERE conname = 'users_email_lowercase'") ==
            "t");

        // Everything down to base: post first where pre revisions are needed.
        ProcessResult down = run_on(root, url, {"downgrade", "base"});
        REQUIRE_MESSAGE(down.exit_code == 0, down.errors);
        CHECK(count_lines_with(down.output, "  undid   ") == 12);
        CHECK(contains(down.output, "12 revisions; pre at base, post at base\n"));
        CHECK(run_on(root, url, {"current"}).output == "base (pre)\nbase (post)\n");
        found = states(root, url);
        all_in(found, pre, "pending");
        all_in(found, post, "pending");
        CHECK(public_tables(url) == "");
        CHECK(ledger_rows(url) == 0);

        // And up again, both branches at once.
        ProcessResult up = run_on(root, url, {"upgrade", "heads"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(contains(up.output, "12 revisions; pre at " + pre_head + " (head), post at " +
                                      post_head + " (head)\n"));
        CHECK(public_tables(url) == k_example_tables);
        CHECK(ledger_rows(url) == 12);
        CHECK(psql(url, "SELECT count(*) FROM ecluse.event_log WHERE action = 'upgrade' AND "
                        "outcome = 'applied'") == "24");
        CHECK(psql(url, "SELECT count(*) FROM ecluse.event_log WHERE action = 'downgrade' AND "
                        "outcome = 'applied'") == "12");
    }

    TEST_CASE(
        "downgrading pre below what applied post revisions depend on is refused, naming them") {
        ExampleProject project;
        const fs::path& root = project.root();
        std::string url = create_database();
        REQUIRE(run_on(root, url, {"upgrade", "heads"}).exit_code == 0);
        std::string before = applied_ids(url);

        ProcessResult refused = run_on(root, url, {"downgrade", "pre@base"});
        CHECK(refused.exit_code == 1);
        CHECK(contains(
            refused.errors,
            "ecluse: error: cannot undo revisions that applied revisions still depend on: "));
        // Every post revision that depends on a pre revision is named.
        int named = 0;
        for (const auto& revision : example_revisions(root)) {
            for (const auto& dependency : revision.depends_on) {
                CHECK_MESSAGE(contains(refused.errors, revision.id + " depends on " + dependency),
                              revision.id);
                ++named;
            }
        }
        CHECK(named == 3);
        CHECK(contains(refused.errors, "nothing was changed"));
        CHECK(count_lines_with(refused.output, "undid") == 0);
        CHECK(applied_ids(url) == before);
        CHECK(public_tables(url) == k_example_tables);

        // Down to exactly what post needs is allowed; one more is refused, naming
        // only the one post revision that needs it.
        ProcessResult allowed = run_on(root, url, {"downgrade", "26231c8784d5"});
        CHECK_MESSAGE(allowed.exit_code == 0, allowed.errors);
        CHECK(contains(allowed.output, "1 revision; pre at 26231c8784d5, post at "));
        ProcessResult one_more = run_on(root, url, {"downgrade", "pre@-1"});
        CHECK(one_more.exit_code == 1);
        CHECK(contains(one_more.errors, "still depend on: 3fc966982cf1 depends on 26231c8784d5\n"));
        CHECK(ledger_rows(url) == 11);
    }

    TEST_CASE("the database's ledger records what each applied revision needs to be undone") {
        ExampleProject project;
        const fs::path& root = project.root();
        std::string url = create_database();
        REQUIRE(run_on(root, url, {"upgrade", "pre@head"}).exit_code == 0);
        // Each row: branch, parent, checksum, message, path, who, tool version,
        // and the downgrade SQL.
        CHECK(
            psql(url,
                 "SELECT branch, coalesce(down_revision, 'none'), length(checksum), message, path, "
                 "applied_by, ecluse_version <> '', downgrade_sql LIKE '%DROP TABLE users%', "
                 "stamped "
                 "FROM ecluse.applied_revision WHERE revision = 'ebb4d23eaaa5'") ==
            "pre|none|64|create users and venues|migrations/pre/"
            "20260901T090000_ebb4d23eaaa5_create_users_and_venues.sql|postgres|t|t|f");
        CHECK(psql(url, "SELECT version FROM ecluse.ledger_version") == "4");
    }

    TEST_CASE("a broken revision file is reported before anything touches the database") {
        // upgrade connects while it reads the project: the project's problem
        // must still be the one reported, and the database left as it was.
        ExampleProject project;
        const fs::path& root = project.root();
        ecluse::write_file_atomically(root /
                                          "migrations/pre/20990101T000000_0123456789ab_broken.sql",
                                      "-- revision: NOT-AN-ID\n\n-- upgrade\nSELECT 1;\n");
        std::string url = create_database();
        for (const std::string& target :
             {url, std::string("postgresql://postgres@/x?host=/nonexistent-ecluse")}) {
            CAPTURE(target);
            ProcessResult up = run_on(root, target, {"upgrade", "heads"});
            CHECK(up.exit_code == 2);
            CHECK(contains(up.errors, "migrations/pre/20990101T000000_0123456789ab_broken.sql:1"));
        }
        CHECK(psql(url, "SELECT to_regnamespace('ecluse') IS NULL") == "t");
        CHECK(public_tables(url) == "");
    }
} // TEST_SUITE

TEST_SUITE("depends_on") {

    TEST_CASE("upgrading post past a revision that depends on an unapplied pre revision applies it "
              "first") {
        ExampleProject project;
        const fs::path& root = project.root();
        std::string url = create_database();
        // 12c2305eba23, the first post revision, depends on ebb4d23eaaa5.
        ProcessResult up = run_on(root, url, {"upgrade", "12c2"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(contains(up.output, "  applied pre  ebb4d23eaaa5  create users and venues  ("));
        CHECK(contains(up.output, ", needed by 12c2305eba23 (depends_on))\n"));
        CHECK(up.output.find("applied pre  ebb4d23eaaa5") <
              up.output.find("applied post 12c2305eba23"));
        CHECK(contains(up.output, "2 revisions; pre at ebb4d23eaaa5, post at 12c2305eba23\n"));
        CHECK(applied_ids(url) == "12c2305eba23,ebb4d23eaaa5");
        CHECK(current(root, url) == "ebb4d23eaaa5 12c2305eba23");
    }

    TEST_CASE(
        "upgrade post@head on a fresh database applies exactly the pre revisions post needs") {
        ExampleProject project;
        const fs::path& root = project.root();
        std::string url = create_database();
        ProcessResult up = run_on(root, url, {"upgrade", "post@head"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        // 3fc966982cf1 depends on 26231c8784d5: pre up to it, not its head.
        CHECK(current(root, url) == "26231c8784d5 3fc966982cf1");
        CHECK(ledger_rows(url, "branch = 'pre'") == 6);
        CHECK_FALSE(relation_exists(url, "offers_fk_category_idx"));
        CHECK(count_lines_with(up.output, "needed by") == 6);
    }

    TEST_CASE("downgrading pre below a revision an applied post revision depends on names it") {
        ExampleProject project;
        const fs::path& root = project.root();
        std::string url = create_database();
        REQUIRE(run_on(root, url, {"upgrade", "12c2"}).exit_code == 0);
        std::string before = applied_ids(url);
        ProcessResult refused = run_on(root, url, {"downgrade", "pre@base"});
        CHECK(refused.exit_code == 1);
        CHECK(contains(refused.errors, "12c2305eba23 depends on ebb4d23eaaa5"));
        CHECK(contains(refused.errors, "hint: "));
        CHECK(applied_ids(url) == before);
        CHECK(relation_exists(url, "users"));

        // Once post is down, pre may follow.
        REQUIRE(run_on(root, url, {"downgrade", "post@base"}).exit_code == 0);
        ProcessResult down = run_on(root, url, {"downgrade", "pre@base"});
        CHECK_MESSAGE(down.exit_code == 0, down.errors);
        CHECK(ledger_rows(url) == 0);
        CHECK_FALSE(relation_exists(url, "users"));
    }

} // TEST_SUITE

namespace {

// Three pre revisions, each creating one table; one post revision.
struct ThreeTables {
    Project project;
    std::string url = create_database();

    ThreeTables() {
        project.add({"a1b2c3d4e5f6", "pre", "table one", "CREATE TABLE one (id int);\n",
                     "DROP TABLE one;\n"});
        project.add({"b2c3d4e5f6a1", "pre", "table two", "CREATE TABLE two (id int);\n",
                     "DROP TABLE two;\n"});
        project.add({"c3d4e5f6a1b2", "pre", "table three", "CREATE TABLE three (id int);\n",
                     "DROP TABLE three;\n"});
    }
    ProcessResult run(const std::vector<std::string>& args) {
        return run_on(project.root(), url, args);
    }
    std::string tables() { return public_tables(url); }
};

} // namespace

TEST_SUITE("relative specifiers") {

    TEST_CASE(
        "upgrade pre@+1 and downgrade pre@-1 move one revision from the database's position") {
        ThreeTables db;
        ProcessResult first = db.run({"upgrade", "pre@+1"});
        REQUIRE_MESSAGE(first.exit_code == 0, first.errors);
        CHECK(contains(first.output, "1 revision; pre at a1b2c3d4e5f6, post at base\n"));
        CHECK(db.tables() == "one");
        REQUIRE(db.run({"upgrade", "pre@+1"}).exit_code == 0);
        CHECK(db.tables() == "one,two");
        CHECK(current(db.project.root(), db.url) == "b2c3d4e5f6a1 base");

        ProcessResult back = db.run({"downgrade", "pre@-1"});
        REQUIRE_MESSAGE(back.exit_code == 0, back.errors);
        CHECK(contains(back.output, "  undid   pre  b2c3d4e5f6a1  table two  ("));
        CHECK(contains(back.output, "1 revision; pre at a1b2c3d4e5f6, post at base\n"));
        CHECK(db.tables() == "one");

        REQUIRE(db.run({"upgrade", "pre@+2"}).exit_code == 0);
        CHECK(db.tables() == "one,three,two");
        REQUIRE(db.run({"downgrade", "pre@-3"}).exit_code == 0);
        CHECK(db.tables() == "");
        CHECK(current(db.project.root(), db.url) == "base base");
    }

    TEST_CASE(
        "a relative specifier past the head or below the base is refused and changes nothing") {
        ThreeTables db;
        REQUIRE(db.run({"upgrade", "pre@+1"}).exit_code == 0);
        ProcessResult past = db.run({"upgrade", "pre@+3"});
        CHECK(past.exit_code == 2);
        CHECK(contains(past.errors, "\"pre@+3\" goes 1 revision(s) past the head of pre"));
        ProcessResult below = db.run({"downgrade", "pre@-2"});
        CHECK(below.exit_code == 2);
        CHECK(contains(below.errors, "\"pre@-2\" goes 1 revision(s) below the base of pre"));
        CHECK(db.tables() == "one");
        CHECK(ledger_rows(db.url) == 1);
    }

    TEST_CASE("upgrade a1b2+1 goes one revision past a revision named by its prefix") {
        ThreeTables db;
        ProcessResult up = db.run({"upgrade", "a1b2+1"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(contains(up.output, "2 revisions; pre at b2c3d4e5f6a1, post at base\n"));
        CHECK(db.tables() == "one,two");
        ProcessResult down = db.run({"downgrade", "c3d4-2"});
        REQUIRE_MESSAGE(down.exit_code == 0, down.errors);
        CHECK(db.tables() == "one");
        CHECK(current(db.project.root(), db.url) == "a1b2c3d4e5f6 base");
    }

    TEST_CASE("an ambiguous or unknown target is a usage error before anything runs") {
        ThreeTables db;
        ProcessResult head = db.run({"upgrade", "head"});
        CHECK(head.exit_code == 2);
        CHECK(contains(head.errors, "\"head\" is ambiguous"));
        ProcessResult unknown = db.run({"upgrade", "dddd"});
        CHECK(unknown.exit_code == 2);
        CHECK(db.tables() == "");
        CHECK(ledger_rows(db.url) == 0);
    }

    TEST_CASE("stamp records revisions without running them, and forgets them the same way") {
        ThreeTables db;
        ProcessResult stamp = db.run({"stamp", "b2c3"});
        REQUIRE_MESSAGE(stamp.exit_code == 0, stamp.errors);
        CHECK(contains(stamp.output, "2 revisions stamped; pre at b2c3d4e5f6a1, post at base\n"));
        CHECK(db.tables() == "");
        CHECK(ledger_rows(db.url, "stamped") == 2);
        auto found = states(db.project.root(), db.url);
        CHECK(found["a1b2c3d4e5f6"] == "applied");
        CHECK(found["b2c3d4e5f6a1"] == "applied");
        CHECK(found["c3d4e5f6a1b2"] == "pending");

        // The upgrade continues from the stamped position.
        REQUIRE(db.run({"upgrade", "pre@head"}).exit_code == 0);
        CHECK(db.tables() == "three");

        // Stamping below forgets without running the downgrades.
        ProcessResult down = db.run({"stamp", "pre@base"});
        REQUIRE_MESSAGE(down.exit_code == 0, down.errors);
        CHECK(contains(down.output, "3 revisions stamped; pre at base, post at base\n"));
        CHECK(db.tables() == "three");
        CHECK(ledger_rows(db.url) == 0);
        CHECK(psql(db.url, "SELECT count(*) FROM ecluse.event_log WHERE action = 'stamp'") == "5");
    }

    TEST_CASE("stamp does not say that it applied or undid the revisions it only recorded") {
        ThreeTables db;
        ProcessResult up = db.run({"stamp", "pre@head"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK_MESSAGE(!contains(up.output, "applied"), up.output);
        ProcessResult down = db.run({"stamp", "pre@base"});
        REQUIRE_MESSAGE(down.exit_code == 0, down.errors);
        CHECK_MESSAGE(!contains(down.output, "undid"), down.output);
        CHECK(db.tables() == "");
    }

    TEST_CASE("upgrade to a target below the database's position is refused, pointing at "
              "downgrade") {
        ThreeTables db;
        REQUIRE(db.run({"upgrade", "pre@head"}).exit_code == 0);
        ProcessResult below = db.run({"upgrade", "a1b2"});
        CHECK(below.exit_code == 2);
        CHECK(contains(below.errors, "ecluse: error: cannot upgrade to \"a1b2\": pre is at "
                                     "c3d4e5f6a1b2, above a1b2c3d4e5f6; upgrade never undoes "
                                     "revisions\n  hint: to undo revisions down to it, run "
                                     "`ecluse downgrade a1b2`\n"));
        ProcessResult relative = db.run({"upgrade", "pre@-1"});
        CHECK(relative.exit_code == 2);
        CHECK(contains(relative.errors, "`ecluse downgrade pre@-1`"));
        ProcessResult base = db.run({"upgrade", "pre@base"});
        CHECK(base.exit_code == 2);
        CHECK(contains(base.errors, "above pre@base"));
        // The offline range form is refused the same way.
        ProcessResult range = db.run({"upgrade", "c3d4:a1b2", "--sql"});
        CHECK(range.exit_code == 2);
        CHECK(contains(range.errors, "cannot upgrade to \"a1b2\""));
        CHECK(range.output.empty());
        CHECK(db.tables() == "one,three,two");
        CHECK(ledger_rows(db.url) == 3);

        // At the position there is simply nothing to do.
        ProcessResult same = db.run({"upgrade", "c3d4"});
        CHECK_MESSAGE(same.exit_code == 0, same.errors);
        CHECK(contains(same.output, "nothing to do: pre at c3d4e5f6a1b2 (head), post at base\n"));
    }

    TEST_CASE("stamp refuses a revision whose depends_on is not applied, and forgetting one that "
              "an applied revision depends on") {
        Project project;
        std::string url = create_database();
        project.add({"e1e2e3e4e5e6", "pre", "backfill", "CREATE TABLE backfilled (id int);\n",
                     "DROP TABLE backfilled;\n"});
        project.add({"f1f2f3f4f5f6", "post", "needs backfill", "DROP TABLE backfilled;\n",
                     "CREATE TABLE backfilled (id int);\n",
                     std::vector<std::string>{"e1e2e3e4e5e6"}});
        ProcessResult refused = run_on(project.root(), url, {"stamp", "post@head"});
        CHECK(refused.exit_code == 1);
        CHECK(contains(refused.errors,
                       "ecluse: error: cannot stamp: the target depends on revisions that are "
                       "not applied: e1e2e3e4e5e6 (pre, needed by f1f2f3f4f5f6 (depends_on)); "
                       "nothing was changed\n  hint: stamp or upgrade those first (for example "
                       "`ecluse stamp e1e2e3e4e5e6`), or include them in the target\n"));
        CHECK(ledger_rows(url) == 0);

        REQUIRE(run_on(project.root(), url, {"stamp", "e1e2"}).exit_code == 0);
        ProcessResult stamped = run_on(project.root(), url, {"stamp", "post@head"});
        CHECK_MESSAGE(stamped.exit_code == 0, stamped.errors);
        CHECK(ledger_rows(url, "stamped") == 2);

        ProcessResult forget = run_on(project.root(), url, {"stamp", "pre@base"});
        CHECK(forget.exit_code == 1);
        CHECK(contains(forget.errors, "f1f2f3f4f5f6 depends on e1e2e3e4e5e6"));
        CHECK(ledger_rows(url) == 2);
        CHECK_FALSE(relation_exists(url, "backfilled"));
    }

} // TEST_SUITE

TEST_SUITE("failing migrations") {

    TEST_CASE("an error on a known line reports file:line:column and the SQLSTATE and leaves "
              "nothing behind") {
        Project project;
        std::string url = create_database();
        std::string upgrade = "CREATE TABLE made_first (id int);\n"
                              "INSERT INTO made_first\n"
                              "    SELECT id FROM no_such_table;\n";
        fs::path path =
            project.add({"d4e5f6a1b2c3", "pre", "broken", upgrade, "DROP TABLE made_first;\n"});
        std::string content = read(path);
        std::string relative = "migrations/pre/" + path.filename().string();
        std::string where = relative + ":" + std::to_string(line_of(content, "no_such_table")) +
                            ":" + std::to_string(column_of(content, "no_such_table"));

        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK(
            contains(up.errors, "ecluse: error: upgrade of d4e5f6a1b2c3 (pre, broken) failed at " +
                                    where + ": 42P01 relation \"no_such_table\" does not exist\n"));
        CHECK(contains(up.errors, "the migration was rolled back: none of it is applied"));
        CHECK_FALSE(relation_exists(url, "made_first"));
        CHECK(ledger_rows(url) == 0);
        CHECK(psql(url, "SELECT outcome, detail LIKE '42P01%' FROM ecluse.event_log") ==
              "failed|t");
    }

    TEST_CASE(
        "the column of an error in the second statement of a line counts from the line's start") {
        Project project;
        std::string url = create_database();
        fs::path path = project.add({"e5f6a1b2c3d4", "pre", "two on a line",
                                     "CREATE TABLE early (id int); SELECT * FROM missing_here;\n",
                                     "DROP TABLE early;\n"});
        std::string content = read(path);
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK(contains(up.errors, path.filename().string() + ":" +
                                      std::to_string(line_of(content, "missing_here")) + ":" +
                                      std::to_string(column_of(content, "missing_here")) +
                                      ": 42P01 "));
        CHECK_FALSE(relation_exists(url, "early"));
    }

    TEST_CASE("the column of an error counts characters, not bytes") {
        Project project;
        std::string url = create_database();
        fs::path path =
            project.add({"f5a6b1c2d3e4", "pre", "accents",
                         "SELECT 'été' AS x; SELECT 'ééé', * FROM missing_here;\n", "SELECT 1;\n"});
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK_MESSAGE(up.exit_code == 1, up.errors);
        // `SELECT 'été' AS x; SELECT 'ééé', * FROM ` is 40 characters (45 bytes).
        CHECK_MESSAGE(contains(up.errors, path.filename().string() + ":" +
                                              std::to_string(line_of(read(path), "missing_here")) +
                                              ":41: 42P01 "),
                      up.errors);
    }

    TEST_CASE("a syntax error stops the whole plan before anything runs") {
        Project project;
        std::string url = create_database();
        project.add(
            {"f6a1b2c3d4e5", "pre", "fine", "CREATE TABLE fine (id int);\n", "DROP TABLE fine;\n"});
        fs::path path =
            project.add({"a6b1c2d3e4f5", "pre", "syntax",
                         "CREATE TABLE broken (id int,, name text);\n", "DROP TABLE broken;\n"});
        std::string content = read(path);
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK(up.exit_code == 2);
        CHECK(contains(up.errors, path.filename().string() + ":" +
                                      std::to_string(line_of(content, ",,")) + ":" +
                                      std::to_string(column_of(content, ",,") + 1) +
                                      ": syntax error at or near \",\""));
        CHECK_FALSE(relation_exists(url, "fine"));
        CHECK(ledger_rows(url) == 0);
    }

    TEST_CASE("transaction control in a transactional revision is refused with its file:line by "
              "upgrade, downgrade and check before anything runs") {
        for (const std::string control :
             {"COMMIT", "ROLLBACK", "BEGIN", "START TRANSACTION", "END", "ABORT",
              "COMMIT AND CHAIN", "PREPARE TRANSACTION 'ecluse'", "COMMIT PREPARED 'ecluse'"}) {
            CAPTURE(control);
            Project project;
            std::string url = create_database();
            project.add({"f7a1b2c3d4e5", "pre", "fine", "CREATE TABLE fine (id int);\n",
                         "DROP TABLE fine;\n"});
            fs::path path = project.add({"a7b1c2d3e4f5", "pre", "control",
                                         "CREATE TABLE accounts (id int);\n" + control + ";\n",
                                         "DROP TABLE accounts;\n"});
            std::string where =
                path.filename().string() + ":" + std::to_string(line_of(read(path), control + ";"));
            ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
            CHECK(up.exit_code == 2);
            CHECK_MESSAGE(contains(up.errors, where), up.errors);
            CHECK(contains(up.errors, "transaction: none"));
            CHECK_FALSE(relation_exists(url, "fine"));
            CHECK(ledger_rows(url) == 0);
            ProcessResult script = run_ecluse(project.root(), {"upgrade", "base:heads", "--sql"});
            CHECK(script.exit_code == 2);
            ProcessResult check = run_ecluse(project.root(), {"check"});
            CHECK(check.exit_code == 2);
            CHECK_MESSAGE(contains(check.errors, where), check.errors);
        }
    }

    TEST_CASE("a ROLLBACK in the downgrade section of an applied revision is refused by downgrade; "
              "SAVEPOINTs and transaction: none revisions are left alone") {
        Project project;
        std::string url = create_database();
        fs::path path = project.add({"f8a1b2c3d4e5", "pre", "savepoints",
                                     "SAVEPOINT before_table;\nCREATE TABLE ghost (id int);\n"
                                     "ROLLBACK TO SAVEPOINT before_table;\n"
                                     "CREATE TABLE accounts (id int);\nRELEASE before_table;\n",
                                     "DROP TABLE accounts;\nROLLBACK;\n"});
        project.add({"a8b1c2d3e4f5",
                     "pre",
                     "outside",
                     "BEGIN;\nCREATE TABLE outside (id int);\nCOMMIT;\n",
                     "DROP TABLE outside;\n",
                     {},
                     true});
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(relation_exists(url, "accounts"));
        CHECK_FALSE(relation_exists(url, "ghost"));
        CHECK(relation_exists(url, "outside"));
        ProcessResult down = run_on(project.root(), url, {"downgrade", "pre@base"});
        CHECK(down.exit_code == 2);
        CHECK_MESSAGE(contains(down.errors, path.filename().string() + ":" +
                                                std::to_string(line_of(read(path), "ROLLBACK;"))),
                      down.errors);
        CHECK(relation_exists(url, "accounts"));
        CHECK(relation_exists(url, "outside"));
        CHECK(ledger_rows(url) == 2);
    }

    TEST_CASE(
        "a failing revision stops the plan after the revisions before it, which stay applied") {
        Project project;
        std::string url = create_database();
        project.add(
            {"b1c2d3e4f5a6", "pre", "good", "CREATE TABLE good (id int);\n", "DROP TABLE good;\n"});
        project.add({"c1d2e3f4a5b6", "pre", "bad",
                     "CREATE TABLE bad (id int);\nALTER TABLE nowhere ADD x int;\n",
                     "DROP TABLE bad;\n"});
        project.add({"d1e2f3a4b5c6", "pre", "after", "CREATE TABLE after_bad (id int);\n",
                     "DROP TABLE after_bad;\n"});
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK(contains(up.output, "  applied pre  b1c2d3e4f5a6  good  ("));
        CHECK(contains(up.errors, "upgrade of c1d2e3f4a5b6 (pre, bad) failed at "));
        CHECK(public_tables(url) == "good");
        CHECK(applied_ids(url) == "b1c2d3e4f5a6");
        CHECK(current(project.root(), url) == "b1c2d3e4f5a6 base");
    }

    TEST_CASE("a failing downgrade is rolled back and the revision stays applied") {
        Project project;
        std::string url = create_database();
        fs::path path =
            project.add({"e1f2a3b4c5d6", "pre", "undo fails", "CREATE TABLE kept (id int);\n",
                         "DROP TABLE kept;\nDROP TABLE not_there;\n"});
        REQUIRE(run_on(project.root(), url, {"upgrade", "pre@head"}).exit_code == 0);
        ProcessResult down = run_on(project.root(), url, {"downgrade", "pre@base"});
        CHECK(down.exit_code == 1);
        CHECK(contains(down.errors,
                       "downgrade of e1f2a3b4c5d6 (pre, undo fails) failed at migrations/pre/" +
                           path.filename().string() + ":" +
                           std::to_string(line_of(read(path), "DROP TABLE not_there")) +
                           ":1: 42P01 table \"not_there\" does not exist"));
        CHECK(relation_exists(url, "kept"));
        CHECK(applied_ids(url) == "e1f2a3b4c5d6");
    }

    TEST_CASE("a revision without a downgrade section cannot be undone, and nothing is changed") {
        Project project;
        std::string url = create_database();
        project.add({"a2b3c4d5e6f7", "pre", "undoable", "CREATE TABLE undoable (id int);\n",
                     "DROP TABLE undoable;\n"});
        project.add(
            {"b2c3d4e5f6a7", "pre", "one way", "CREATE TABLE one_way (id int);\n", std::nullopt});
        REQUIRE(run_on(project.root(), url, {"upgrade", "pre@head"}).exit_code == 0);
        ProcessResult down = run_on(project.root(), url, {"downgrade", "pre@base"});
        CHECK(down.exit_code == 1);
        CHECK(contains(down.errors, "revision b2c3d4e5f6a7 ("));
        CHECK(contains(down.errors,
                       "has no downgrade section, so it cannot be undone; nothing was changed"));
        CHECK(public_tables(url) == "one_way,undoable");
        CHECK(ledger_rows(url) == 2);
    }

    TEST_CASE("--statement-timeout stops a slow migration, which is rolled back and not retried") {
        Project project;
        std::string url = create_database();
        project.add({"c2d3e4f5a6b7", "pre", "slow",
                     "CREATE TABLE slow (id int);\nSELECT pg_sleep(3);\n", "DROP TABLE slow;\n"});
        ProcessResult up =
            run_on(project.root(), url, {"--statement-timeout", "300ms", "upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK(contains(up.errors, ": 57014 canceling statement due to statement timeout"));
        CHECK_FALSE(contains(up.errors, "retrying"));
        CHECK_FALSE(relation_exists(url, "slow"));
        CHECK(ledger_rows(url) == 0);
    }

} // TEST_SUITE

TEST_SUITE("transaction: none") {

    namespace {

    const char* const k_three_statements =
        "CREATE TABLE IF NOT EXISTS step_one (id int);\n"
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS step_two ON %s (id);\n"
        "CREATE TABLE IF NOT EXISTS step_three (id int);\n";

    std::string three_statements(const std::string& table) {
        char buffer[512];
        std::snprintf(buffer, sizeof buffer, k_three_statements, table.c_str());
        return buffer;
    }

    } // namespace

    TEST_CASE("statement 2 of 3 failing says so, leaves statement 1 applied, and a fixed file "
              "completes it") {
        Project project;
        std::string url = create_database();
        RevisionSpec spec{"d2e3f4a5b6c7", "pre", "step by step", three_statements("not_yet"),
                          "DROP TABLE IF EXISTS step_three;\nDROP TABLE IF EXISTS step_one;\n"};
        spec.no_transaction = true;
        fs::path path = project.add(spec);

        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK(contains(up.errors,
                       "upgrade of d2e3f4a5b6c7 (pre, step by step) failed at migrations/pre/" +
                           path.filename().string() + ":" +
                           std::to_string(line_of(read(path), "CREATE INDEX")) + ":"));
        CHECK(contains(up.errors, "42P01 relation \"not_yet\" does not exist"));
        CHECK(contains(up.errors, "statement 2 of 3 failed"));
        CHECK(contains(up.errors, "the revision is not recorded"));
        CHECK(relation_exists(url, "step_one"));
        CHECK_FALSE(relation_exists(url, "step_three"));
        CHECK(ledger_rows(url) == 0);
        CHECK(states(project.root(), url)["d2e3f4a5b6c7"] == "interrupted");

        // Fixed, it resumes at statement 2: statement 1 is not run again.
        write(path,
              Project::render({"d2e3f4a5b6c7",
                               "pre",
                               "step by step",
                               three_statements("step_one"),
                               "DROP TABLE IF EXISTS step_three;\nDROP TABLE IF EXISTS step_one;\n",
                               {},
                               true},
                              "none"));
        ProcessResult fixed = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK_MESSAGE(fixed.exit_code == 0, fixed.errors);
        CHECK(contains(fixed.output, "resumed at statement 2 of 3"));
        CHECK(relation_exists(url, "step_two"));
        CHECK(relation_exists(url, "step_three"));
        CHECK(applied_ids(url) == "d2e3f4a5b6c7");
        CHECK(states(project.root(), url)["d2e3f4a5b6c7"] == "applied");
    }

    TEST_CASE("statement 2 of 3 failing says in words that statement 1 is applied") {
        Project project;
        std::string url = create_database();
        RevisionSpec spec{"e2f3a4b5c6d7", "pre", "step by step", three_statements("not_yet"),
                          "SELECT 1;\n"};
        spec.no_transaction = true;
        project.add(spec);
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK(contains(up.errors, "statement 2 of 3 failed; statement 1 is applied"));
    }

    TEST_CASE("the first statement failing says nothing of the revision was applied") {
        Project project;
        std::string url = create_database();
        RevisionSpec spec{"f2a3b4c5d6e7", "pre", "first fails",
                          "CREATE INDEX CONCURRENTLY IF NOT EXISTS nope_idx ON nope (id);\n"
                          "CREATE TABLE IF NOT EXISTS never (id int);\n",
                          "SELECT 1;\n"};
        spec.no_transaction = true;
        project.add(spec);
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK(contains(up.errors, "statement 1 of 2 failed; nothing of it was applied"));
        CHECK_FALSE(relation_exists(url, "never"));
        CHECK(ledger_rows(url) == 0);
    }

    TEST_CASE("CREATE INDEX CONCURRENTLY runs in a transaction: none revision and is undone by its "
              "downgrade") {
        Project project;
        std::string url = create_database();
        project.add({"a3b4c5d6e7f8", "pre", "table", "CREATE TABLE indexed (id int);\n",
                     "DROP TABLE indexed;\n"});
        RevisionSpec index{"b3c4d5e6f7a8", "pre", "index",
                           "CREATE INDEX CONCURRENTLY IF NOT EXISTS indexed_id ON indexed (id);\n",
                           "DROP INDEX CONCURRENTLY IF EXISTS indexed_id;\n"};
        index.no_transaction = true;
        project.add(index);
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(relation_exists(url, "indexed_id"));
        CHECK(psql(url,
                   "SELECT indisvalid FROM pg_index WHERE indexrelid = 'indexed_id'::regclass") ==
              "t");
        ProcessResult down = run_on(project.root(), url, {"downgrade", "pre@-1"});
        REQUIRE_MESSAGE(down.exit_code == 0, down.errors);
        CHECK_FALSE(relation_exists(url, "indexed_id"));
        CHECK(applied_ids(url) == "a3b4c5d6e7f8");
    }

} // TEST_SUITE

TEST_SUITE("drift and orphans") {

    TEST_CASE("upgrade, downgrade, stamp and --sql read the SQL of what they run from the files, "
              "also when the revision cache holds the headers") {
        Project project;
        std::string url = create_database();
        project.add({"a7b8c9d0e1f2", "pre", "first", "CREATE TABLE lazy_first (id int);\n",
                     "DROP TABLE lazy_first;\n"});
        project.add({"b7c8d9e0f1a2", "pre", "second", "CREATE TABLE lazy_second (id int);\n",
                     "DROP TABLE lazy_second;\n"});
        // Settled files, and a cache that holds them (twice: stored, then used).
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        for (int i = 0; i < 2; ++i) {
            REQUIRE(run_ecluse(project.root(), {"heads"}).exit_code == 0);
        }

        ProcessResult script = run_ecluse(project.root(), {"upgrade", "--sql", "base:pre@head"});
        REQUIRE_MESSAGE(script.exit_code == 0, script.errors);
        CHECK(contains(script.output, "CREATE TABLE lazy_first (id int);"));
        CHECK(contains(script.output, "CREATE TABLE lazy_second (id int);"));

        REQUIRE(run_on(project.root(), url, {"upgrade", "pre@head"}).exit_code == 0);
        CHECK(public_tables(url) == "lazy_first,lazy_second");
        // The checksums recorded are those of the files: nothing drifted.
        CHECK(states(project.root(), url)["a7b8c9d0e1f2"] == "applied");
        CHECK(states(project.root(), url)["b7c8d9e0f1a2"] == "applied");
        CHECK(contains(psql(url, "SELECT downgrade_sql FROM ecluse.applied_revision "
                                 "WHERE revision = 'b7c8d9e0f1a2'"),
                       "DROP TABLE lazy_second;"));

        ProcessResult down = run_on(project.root(), url, {"downgrade", "pre@base"});
        REQUIRE_MESSAGE(down.exit_code == 0, down.errors);
        CHECK(public_tables(url).empty());

        REQUIRE(run_on(project.root(), url, {"stamp", "pre@head"}).exit_code == 0);
        CHECK(public_tables(url).empty());
        CHECK(states(project.root(), url)["a7b8c9d0e1f2"] == "applied");
        CHECK(states(project.root(), url)["b7c8d9e0f1a2"] == "applied");
    }

    TEST_CASE("editing an applied revision's upgrade section shows it drifted; renaming its file "
              "does not") {
        Project project;
        std::string url = create_database();
        fs::path path =
            project.add({"c3d4e5f6a7b8", "pre", "drifting", "CREATE TABLE drifting (id int);\n",
                         "DROP TABLE drifting;\n"});
        REQUIRE(run_on(project.root(), url, {"upgrade", "pre@head"}).exit_code == 0);
        CHECK(states(project.root(), url)["c3d4e5f6a7b8"] == "applied");

        // Renamed: same identity, same checksum.
        fs::path renamed = path.parent_path() / "20300101T000000_c3d4e5f6a7b8_a_new_name.sql";
        fs::rename(path, renamed);
        CHECK(states(project.root(), url)["c3d4e5f6a7b8"] == "applied");

        // Its message and its downgrade section are not part of the checksum.
        std::string content = read(renamed);
        std::string edited = content;
        edited.replace(edited.find("-- message: drifting"), 20, "-- message: renamed!");
        edited += "-- a comment in the downgrade section\n";
        write(renamed, edited);
        CHECK(states(project.root(), url)["c3d4e5f6a7b8"] == "applied");

        // The upgrade section is.
        edited.replace(edited.find("(id int)"), 8, "(id bigint)");
        write(renamed, edited);
        CHECK(states(project.root(), url)["c3d4e5f6a7b8"] == "drifted");
        ProcessResult status = run_on(project.root(), url, {"status"});
        CHECK(status.exit_code == 0);
        CHECK(contains(status.output, "pre   c3d4e5f6a7b8  drifted  renamed!"));

        // Line endings are not drift.
        std::string crlf;
        for (char c : content) {
            crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        }
        write(renamed, crlf);
        CHECK(states(project.root(), url)["c3d4e5f6a7b8"] == "applied");
    }

    TEST_CASE("comments around statements are not drift; upgrade warns of a real drift, and "
              "stamp --accept-drift records it, logged; an old row keeps validating") {
        Project project;
        std::string url = create_database();
        fs::path path =
            project.add({"c3d4e5f6a7b9", "pre", "commented",
                         "CREATE TABLE commented (id int);\nCREATE TABLE other (id int);\n",
                         "DROP TABLE other;\nDROP TABLE commented;\n"});
        REQUIRE(run_on(project.root(), url, {"upgrade", "pre@head"}).exit_code == 0);
        std::string content = read(path);

        // An ecluse:ignore line and an edited comment between statements.
        std::string commented = content;
        commented.replace(commented.find("CREATE TABLE other"), 0,
                          "-- ecluse:ignore post-create-table\n-- reviewed by ops\n");
        write(path, commented);
        CHECK(states(project.root(), url)["c3d4e5f6a7b9"] == "applied");
        CHECK_FALSE(contains(run_on(project.root(), url, {"check"}).errors, "drift"));
        CHECK_FALSE(contains(run_on(project.root(), url, {"upgrade", "heads"}).errors, "drift"));

        // A real change: upgrade goes on but says so; check -d fails.
        std::string changed = content;
        changed.replace(changed.find("other (id int)"), 14, "other (id bigint)");
        write(path, changed);
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(contains(up.errors, "revision c3d4e5f6a7b9"));
        CHECK(contains(up.errors, "(drift)"));
        CHECK(contains(up.errors, "stamp --accept-drift c3d4e5f6a7b9"));
        CHECK(run_on(project.root(), url, {"check"}).exit_code == 1);

        ProcessResult accepted = run_on(project.root(), url, {"stamp", "--accept-drift", "c3d4e5"});
        REQUIRE_MESSAGE(accepted.exit_code == 0, accepted.errors);
        CHECK(contains(accepted.output, "accepted the drift of c3d4e5f6a7b9"));
        CHECK(states(project.root(), url)["c3d4e5f6a7b9"] == "applied");
        CHECK(psql(url, "SELECT count(*) FROM ecluse.event_log WHERE action = 'accept drift' AND "
                        "revision = 'c3d4e5f6a7b9' AND detail LIKE '%nothing was run%'") == "1");
        CHECK_FALSE(contains(run_on(project.root(), url, {"upgrade", "pre@head"}).errors, "drift"));
        ProcessResult again =
            run_on(project.root(), url, {"stamp", "--accept-drift", "c3d4e5f6a7b9"});
        CHECK(again.exit_code == 2);
        CHECK(contains(again.errors, "has not drifted"));

        // A row recorded before statement checksums existed validates by its own.
        psql(url, "UPDATE ecluse.applied_revision SET statements_checksum = NULL");
        CHECK(states(project.root(), url)["c3d4e5f6a7b9"] == "applied");
    }

    TEST_CASE(
        "a revision applied but gone from disk is an orphan, and downgrade --orphans undoes it") {
        Project project;
        std::string url = create_database();
        project.add({"d3e4f5a6b7c8", "pre", "stays", "CREATE TABLE stays (id int);\n",
                     "DROP TABLE stays;\n"});
        fs::path gone =
            project.add({"e3f4a5b6c7d8", "pre", "from another branch",
                         "CREATE TABLE elsewhere (id int);\n", "DROP TABLE elsewhere;\n"});
        REQUIRE(run_on(project.root(), url, {"upgrade", "pre@head"}).exit_code == 0);
        project.remove(gone, "pre", "d3e4f5a6b7c8");
        REQUIRE_MESSAGE(run_ecluse(project.root(), {"check"}).exit_code == 0,
                        run_ecluse(project.root(), {"check"}).errors);

        auto found = states(project.root(), url);
        CHECK(found["d3e4f5a6b7c8"] == "applied");
        CHECK(found["e3f4a5b6c7d8"] == "orphan");
        ProcessResult status = run_on(project.root(), url, {"status"});
        CHECK(contains(status.output, "pre   e3f4a5b6c7d8  orphan   from another branch"));

        ProcessResult undo = run_on(project.root(), url, {"downgrade", "--orphans"});
        REQUIRE_MESSAGE(undo.exit_code == 0, undo.errors);
        CHECK(
            contains(undo.output, "  undid   pre  e3f4a5b6c7d8  from another branch [orphan]  ("));
        CHECK(contains(undo.output, "1 revision; pre at d3e4f5a6b7c8 (head), post at base\n"));
        CHECK_FALSE(relation_exists(url, "elsewhere"));
        CHECK(relation_exists(url, "stays"));
        CHECK(applied_ids(url) == "d3e4f5a6b7c8");
        found = states(project.root(), url);
        CHECK(found.count("e3f4a5b6c7d8") == 0);
        CHECK(found["d3e4f5a6b7c8"] == "applied");
    }

    TEST_CASE(
        "upgrade refuses while the database's position is an orphan, and says how to undo it") {
        Project project;
        std::string url = create_database();
        project.add({"a5b6c7d8e9f0", "pre", "base table", "CREATE TABLE base_table (id int);\n",
                     "DROP TABLE base_table;\n"});
        fs::path gone = project.add({"b5c6d7e8f9a0", "pre", "their work",
                                     "CREATE TABLE theirs (id int);\n", "DROP TABLE theirs;\n"});
        REQUIRE(run_on(project.root(), url, {"upgrade", "pre@head"}).exit_code == 0);
        // Another line of work: its revision is gone, ours sits on the same parent.
        project.remove(gone, "pre", "a5b6c7d8e9f0");
        project.add({"c5d6e7f8a9b0", "pre", "our work", "CREATE TABLE ours (id int);\n",
                     "DROP TABLE ours;\n"});

        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK(up.exit_code == 2);
        CHECK(contains(up.errors, "the database's pre position is b5c6d7e8f9a0, a revision that is "
                                  "not among the revision "
                                  "files"));
        CHECK(contains(up.errors, "`ecluse downgrade --orphans` undoes them"));
        CHECK_FALSE(relation_exists(url, "ours"));

        REQUIRE(run_on(project.root(), url, {"downgrade", "--orphans"}).exit_code == 0);
        ProcessResult again = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(public_tables(url) == "base_table,ours");
        CHECK(applied_ids(url) == "a5b6c7d8e9f0,c5d6e7f8a9b0");
    }

    TEST_CASE("downgrade --orphans undoes a transaction: none orphan outside a transaction") {
        Project project;
        std::string url = create_database();
        project.add({"d5e6f7a8b9c0", "pre", "table", "CREATE TABLE indexed (id int);\n",
                     "DROP TABLE indexed;\n"});
        RevisionSpec index{"e5f6a7b8c9d0", "pre", "index concurrently",
                           "CREATE INDEX CONCURRENTLY IF NOT EXISTS indexed_id ON indexed (id);\n",
                           "DROP INDEX CONCURRENTLY IF EXISTS indexed_id;\n"};
        index.no_transaction = true;
        fs::path gone = project.add(index);
        REQUIRE(run_on(project.root(), url, {"upgrade", "pre@head"}).exit_code == 0);
        project.remove(gone, "pre", "d5e6f7a8b9c0");

        ProcessResult undo = run_on(project.root(), url, {"downgrade", "--orphans"});
        CHECK_MESSAGE(undo.exit_code == 0, undo.errors);
        CHECK_FALSE(relation_exists(url, "indexed_id"));
        CHECK(applied_ids(url) == "d5e6f7a8b9c0");
    }

    TEST_CASE("an orphan applied without a downgrade section cannot be undone") {
        Project project;
        std::string url = create_database();
        fs::path gone = project.add(
            {"f3a4b5c6d7e8", "pre", "one way", "CREATE TABLE one_way (id int);\n", std::nullopt});
        REQUIRE(run_on(project.root(), url, {"upgrade", "pre@head"}).exit_code == 0);
        project.remove(gone, "pre", "");
        ProcessResult undo = run_on(project.root(), url, {"downgrade", "--orphans"});
        CHECK(undo.exit_code == 1);
        CHECK(contains(undo.errors, "orphan f3a4b5c6d7e8 was applied without a downgrade section"));
        CHECK(relation_exists(url, "one_way"));
        CHECK(ledger_rows(url) == 1);
    }

    TEST_CASE("an orphan without a downgrade section: the hints lead to stamp --forget-orphan, "
              "which forgets it without running anything and logs it") {
        Project project;
        std::string url = create_database();
        project.add({"a9b8c7d6e5f4", "pre", "stays", "CREATE TABLE stays (id int);\n",
                     "DROP TABLE stays;\n"});
        fs::path gone = project.add(
            {"f9e8d7c6b5a4", "pre", "one way", "CREATE TABLE one_way (id int);\n", std::nullopt});
        REQUIRE(run_on(project.root(), url, {"upgrade", "pre@head"}).exit_code == 0);
        project.remove(gone, "pre", "a9b8c7d6e5f4");
        CHECK(states(project.root(), url)["f9e8d7c6b5a4"] == "orphan");

        ProcessResult undo = run_on(project.root(), url, {"downgrade", "--orphans"});
        CHECK(undo.exit_code == 1);
        CHECK_MESSAGE(contains(undo.errors, "`ecluse stamp --forget-orphan f9e8d7c6b5a4`"),
                      undo.errors);
        // stamp's hint is bookkeeping too: never a downgrade, which would drop tables.
        ProcessResult stamp = run_on(project.root(), url, {"stamp", "pre@base"});
        CHECK(stamp.exit_code != 0);
        CHECK_MESSAGE(contains(stamp.errors, "`ecluse stamp --forget-orphan f9e8d7c6b5a4`"),
                      stamp.errors);
        CHECK_FALSE(contains(stamp.errors, "ecluse downgrade"));
        CHECK(ledger_rows(url) == 2);

        // Only an orphan can be forgotten this way.
        ProcessResult not_orphan =
            run_on(project.root(), url, {"stamp", "--forget-orphan", "a9b8c7d6e5f4"});
        CHECK(not_orphan.exit_code == 2);
        CHECK(ledger_rows(url) == 2);

        ProcessResult forget =
            run_on(project.root(), url, {"stamp", "--forget-orphan", "f9e8d7c6b5a4"});
        REQUIRE_MESSAGE(forget.exit_code == 0, forget.errors);
        CHECK(contains(forget.output, "forgot orphan f9e8d7c6b5a4"));
        CHECK(relation_exists(url, "one_way"));
        CHECK(applied_ids(url) == "a9b8c7d6e5f4");
        CHECK(psql(url,
                   "SELECT action || ' ' || outcome FROM ecluse.event_log WHERE revision = "
                   "'f9e8d7c6b5a4' ORDER BY event_id DESC LIMIT 1") == "forget orphan forgotten");
        CHECK(states(project.root(), url).count("f9e8d7c6b5a4") == 0);
        ProcessResult check = run_on(project.root(), url, {"check"});
        CHECK_MESSAGE(check.exit_code == 0, check.errors);
        ProcessResult stamp_again = run_on(project.root(), url, {"stamp", "pre@base"});
        CHECK_MESSAGE(stamp_again.exit_code == 0, stamp_again.errors);
        CHECK(relation_exists(url, "stays"));
    }

} // TEST_SUITE

TEST_SUITE("settings") {

    TEST_CASE("ECLUSE_SCHEMA puts the bookkeeping tables in another schema") {
        Project project;
        std::string url = create_database();
        project.add({"a4b5c6d7e8f9", "pre", "table", "CREATE TABLE in_public (id int);\n",
                     "DROP TABLE in_public;\n"});
        ecluse::ProcessOptions options;
        options.working_directory = project.root();
        options.extra_environment = {{"ECLUSE_SCHEMA", "deploy_ledger"}};
        ProcessResult up = ecluse::run_process(
            {std::getenv("ECLUSE_BIN"), "-d", url, "upgrade", "pre@head"}, options);
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(psql(url, "SELECT revision FROM deploy_ledger.applied_revision") == "a4b5c6d7e8f9");
        CHECK(psql(url, "SELECT count(*) FROM pg_namespace WHERE nspname = 'ecluse'") == "0");
        // Without the variable, ecluse looks in its default schema: nothing applied.
        CHECK(current(project.root(), url) == "base base");
    }

} // TEST_SUITE

TEST_SUITE("connection and ledger") {

    TEST_CASE("a database that cannot be reached exits 4, for every command that connects") {
        Project project;
        project.add(
            {"d1e2f3a4b5c6", "pre", "table", "CREATE TABLE t (id int);\n", "DROP TABLE t;\n"});
        const std::string url = "postgresql://postgres@/db?host=/nonexistent-ecluse";
        for (const std::vector<std::string>& command :
             std::vector<std::vector<std::string>>{{"status"},
                                                   {"current"},
                                                   {"upgrade", "heads"},
                                                   {"downgrade", "base"},
                                                   {"deploy", "--hook", "true"},
                                                   {"check"}}) {
            std::vector<std::string> args = {"-d", url};
            args.insert(args.end(), command.begin(), command.end());
            ProcessResult result = run_ecluse(project.root(), args);
            CHECK_MESSAGE(result.exit_code == 4, command[0], ": ", result.errors);
            CHECK_MESSAGE(contains(result.errors, "cannot connect to "), result.errors);
        }
    }

    TEST_CASE("the user's application_name is kept, ecluse is the fallback, and "
              "standard_conforming_strings is on even when the database turns it off") {
        std::string url = create_database();
        psql(url, "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET "
                  "standard_conforming_strings = off', current_database()); END $$");
        std::string database = url.substr(url.rfind('/') + 1);
        database = database.substr(0, database.find('?'));
        std::string conninfo = "host='" + scratch_server().socket_directory().string() +
                               "' port=" + std::to_string(scratch_server().port()) +
                               " user=postgres dbname=" + database +
                               " application_name=from_conninfo";
        const std::vector<std::tuple<std::string, std::map<std::string, std::string>, std::string>>
            cases = {
                {url, {}, "ecluse"},
                {url + "&application_name=other", {}, "other"},
                {conninfo, {}, "from_conninfo"},
                {url, {{"PGAPPNAME", "from_pgappname"}}, "from_pgappname"},
            };
        for (const auto& entry : cases) {
            // Named references: clang 14 cannot capture structured bindings.
            const auto& target = std::get<0>(entry);
            const auto& variables = std::get<1>(entry);
            const auto& expected = std::get<2>(entry);
            CAPTURE(expected);
            Project project;
            project.add({"b1c2d3e4f5a6", "pre", "settings",
                         "CREATE TABLE seen AS SELECT current_setting('application_name') AS app, "
                         "current_setting('standard_conforming_strings') AS conforming, "
                         "length('a\\b') AS backslash;\n",
                         "DROP TABLE seen;\n"});
            ecluse::ProcessOptions options;
            options.working_directory = project.root();
            options.extra_environment = variables;
            ProcessResult up = ecluse::run_process(
                {std::getenv("ECLUSE_BIN"), "-d", target, "upgrade", "pre@head"}, options);
            REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
            // 'a\b' is three characters only with standard_conforming_strings on.
            CHECK(psql(url, "SELECT app || ' ' || conforming || ' ' || backslash FROM seen") ==
                  expected + " on 3");
            REQUIRE(run_on(project.root(), url, {"downgrade", "base"}).exit_code == 0);
        }
    }

    TEST_CASE("a statement timeout says which setting to raise and how") {
        Project project;
        std::string url = create_database();
        project.add({"f1a2b3c4d5e6", "pre", "slow", "SELECT pg_sleep(2);\n", "SELECT 1;\n"});
        ProcessResult up =
            run_on(project.root(), url, {"--statement-timeout", "200ms", "upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK_MESSAGE(contains(up.errors, "57014 canceling statement due to statement timeout"),
                      up.errors);
        CHECK_MESSAGE(contains(up.errors,
                               "  hint: the statement ran past statement_timeout (200ms); "
                               "raise it for this revision with a `-- "
                               "statement_timeout: 10min` header, or for every "
                               "migration with --statement-timeout, "
                               "ECLUSE_STATEMENT_TIMEOUT or statement_timeout in "
                               "ecluse.toml"),
                      up.errors);
        CHECK(ledger_rows(url) == 0);
    }

    TEST_CASE("an empty ECLUSE_* variable is unset; a bad value names the variable or "
              "ecluse.toml's line") {
        Project project;
        std::string url = create_database();
        project.add(
            {"e1f2a3b4c5d6", "pre", "table", "CREATE TABLE t (id int);\n", "DROP TABLE t;\n"});
        auto run_with = [&](std::map<std::string, std::string> variables,
                            const std::vector<std::string>& args) {
            ecluse::ProcessOptions options;
            options.working_directory = project.root();
            // libpq's defaults lead nowhere: only DATABASE_URL reaches the server.
            variables["PGHOST"] = "/nonexistent-ecluse";
            options.extra_environment = variables;
            std::vector<std::string> argv = {std::getenv("ECLUSE_BIN")};
            argv.insert(argv.end(), args.begin(), args.end());
            return ecluse::run_process(argv, options);
        };
        // GitHub gives a missing secret as an empty string.
        ProcessResult up = run_with({{"ECLUSE_DATABASE_URL", ""},
                                     {"DATABASE_URL", url},
                                     {"ECLUSE_STATEMENT_TIMEOUT", ""},
                                     {"ECLUSE_LOCK_TIMEOUT", ""},
                                     {"ECLUSE_LOCK_WAIT", ""},
                                     {"ECLUSE_FORMAT", ""},
                                     {"ECLUSE_SCHEMA", ""}},
                                    {"upgrade", "pre@head"});
        CHECK_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(ledger_rows(url) == 1);

        ProcessResult bad =
            run_with({{"DATABASE_URL", url}, {"ECLUSE_STATEMENT_TIMEOUT", "soon"}}, {"status"});
        CHECK(bad.exit_code == 2);
        CHECK_MESSAGE(contains(bad.errors, "ecluse: error: ECLUSE_STATEMENT_TIMEOUT: invalid "
                                           "duration \"soon\""),
                      bad.errors);
        ProcessResult format =
            run_with({{"DATABASE_URL", url}, {"ECLUSE_FORMAT", "xml"}}, {"status"});
        CHECK(format.exit_code == 2);
        CHECK_MESSAGE(
            contains(format.errors, "ecluse: error: ECLUSE_FORMAT: unknown output format \"xml\""),
            format.errors);

        write(project.root() / "ecluse.toml", "# settings\nlock_wait = \"2s\"\n\n"
                                              "statement_timeout = \"soon\"\n");
        ProcessResult file = run_with({{"DATABASE_URL", url}}, {"status"});
        CHECK(file.exit_code == 2);
        CHECK_MESSAGE(contains(file.errors, "ecluse.toml:4: statement_timeout: invalid duration "
                                            "\"soon\""),
                      file.errors);
    }

    TEST_CASE("a ledger layout newer than this ecluse is refused before anything runs") {
        Project project;
        std::string url = create_database();
        project.add({"c1d2e3f4a5b6", "pre", "first", "CREATE TABLE first (id int);\n",
                     "DROP TABLE first;\n"});
        ProcessResult stamp = run_on(project.root(), url, {"stamp", "pre@base"});
        REQUIRE_MESSAGE(stamp.exit_code == 0, stamp.errors);
        psql(url, "INSERT INTO ecluse.ledger_version VALUES (5)");
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK_MESSAGE(contains(up.errors, "have layout 5, newer than this ecluse knows (4)"),
                      up.errors);
        CHECK(public_tables(url) == "");
        // Back to layout 4, the same command works.
        psql(url, "DELETE FROM ecluse.ledger_version WHERE version = 5");
        ProcessResult again = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(public_tables(url) == "first");
    }

    TEST_CASE("a ledger of layout 1 is brought up to layout 4 by the next run") {
        Project project;
        std::string url = create_database();
        project.add({"c1d2e3f4a5b7", "pre", "first", "CREATE TABLE first (id int);\n",
                     "DROP TABLE first;\n"});
        REQUIRE(run_on(project.root(), url, {"stamp", "pre@base"}).exit_code == 0);
        // What ecluse's first layout had: no snapshot column, no seed table,
        // no deploy columns in the event log.
        psql(url, "ALTER TABLE ecluse.applied_revision DROP COLUMN snapshot; "
                  "ALTER TABLE ecluse.event_log DROP COLUMN deploy_id, DROP COLUMN deploy_heads; "
                  "DROP TABLE ecluse.seed; DROP TABLE ecluse.statement_progress; "
                  "UPDATE ecluse.ledger_version SET version = 1");
        ProcessResult status = run_on(project.root(), url, {"status"});
        CHECK_MESSAGE(status.exit_code == 0, status.errors);
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(psql(url, "SELECT max(version) FROM ecluse.ledger_version") == "4");
        CHECK(psql(url, "SELECT to_regclass('ecluse.statement_progress') IS NOT NULL") == "t");
        CHECK(psql(url, "SELECT count(*) FROM information_schema.columns WHERE table_schema = "
                        "'ecluse' AND table_name = 'applied_revision' AND column_name = "
                        "'snapshot'") == "1");
        CHECK(psql(url, "SELECT to_regclass('ecluse.seed') IS NOT NULL") == "t");
    }

} // TEST_SUITE

TEST_SUITE("passwords") {

    TEST_CASE("a password in a URL that cannot connect never appears") {
        Project project;
        for (const std::string& url :
             {std::string("postgresql://u:s3cret@/nonexistent?host=/nonexistent"),
              std::string("postgresql://u@/db?host=/nonexistent&password=s3cret"),
              std::string("host=/nonexistent user=u password=s3cret dbname=db")}) {
            for (const char* command : {"current", "status", "upgrade"}) {
                std::vector<std::string> args = {"-d", url, command};
                if (std::string(command) == "upgrade") {
                    args.push_back("heads");
                }
                ProcessResult result = run_ecluse(project.root(), args);
                CHECK_MESSAGE(result.exit_code == 4, url, " ", command, ": ", result.errors);
                CHECK_MESSAGE(contains(result.errors, "cannot connect to "), result.errors);
                CHECK_MESSAGE(!contains(result.errors + result.output, "s3cret"), result.errors);
            }
        }
    }

    TEST_CASE("a URL from ecluse.toml that cannot connect: the hint names ecluse.toml, "
              "never the password") {
        Project project;
        write(project.root() / "ecluse.toml",
              "database_url = \"postgresql://u:s3cret@/db?host=/nonexistent\"\n");
        ProcessResult result = run_ecluse(project.root(), {"status"});
        CHECK_MESSAGE(result.exit_code == 4, result.errors);
        CHECK_MESSAGE(contains(result.errors, "cannot connect to "), result.errors);
        CHECK_MESSAGE(contains(result.errors, "database_url in ecluse.toml"), result.errors);
        CHECK_MESSAGE(!contains(result.errors + result.output, "s3cret"), result.errors);
    }

    TEST_CASE("a password in a URL libpq cannot read never appears, whatever the command, "
              "format or verbosity") {
        Project project;
        project.add(
            {"b4c5d6e7f8a9", "pre", "table", "CREATE TABLE t (id int);\n", "DROP TABLE t;\n"});
        // Each URL and the text of its password that must not appear.
        const std::vector<std::pair<std::string, std::string>> urls = {
            {"postgresql://u:Secr%zzet@host/db", "Secr"},
            {"postgresql://u:Secret@[::1:5432/db", "Secret"},
            {"postgresql://u:Sec%00ret@host/db", "Sec%00ret"},
            {"postgresql://u:Sec%00ret@host/db", "Sec"},
            {"postgresql://u@host/db?password=Q%zzQ", "Q%zzQ"},
            {"postgresql://u@host/db?password=Q%zzQ", "Q%zz"},
            {"postgresql://u:Secret@host:99999999/db", "Secret"},
            {"postgresql://u:Secret@host/db?sslmode=bogus", "Secret"},
            {"postgresql://u:Secret@host/db?nosuchoption=1", "Secret"},
            {"host=h user=u password='Secr", "Secr"},
            // An '@' or '/' left unescaped in the password: libpq would read
            // the rest as the host, or the password as a port.
            {"postgresql://u:Sec@Zeb@nohost.invalid/db", "Zeb"},
            {"postgresql://u:Sec/Zeb@nohost.invalid/db", "Sec"},
            {"postgresql://u:Sec/Zeb@nohost.invalid/db", "Zeb"},
        };
        const std::vector<std::vector<std::string>> commands = {
            {"status"},
            {"current"},
            {"upgrade", "heads"},
            {"check"},
            {"deploy", "--plan", "--hook", "true"},
            {"upgrade", "heads", "--sql"},
            {"downgrade", "base"},
        };
        for (const auto& entry : urls) {
            const std::string& url = entry.first; // named: lambdas cannot capture bindings
            const std::string& password = entry.second;
            for (const auto& command : commands) {
                for (const std::vector<std::string>& flags : std::vector<std::vector<std::string>>{
                         {}, {"--format", "json"}, {"-v"}, {"-v", "-v", "--format", "json"}}) {
                    std::vector<std::string> args = flags;
                    args.insert(args.end(), {"-d", url});
                    args.insert(args.end(), command.begin(), command.end());
                    ProcessResult result = run_ecluse(project.root(), args);
                    std::string said = result.output + result.errors;
                    CHECK_MESSAGE(!contains(said, password), url, " ", command[0], " ",
                                  flags.size(), ": ", said);
                    CHECK_MESSAGE(!contains(said, "internal error"), said);
                }
            }
        }
        // The same through the environment.
        for (const auto& entry : urls) {
            const std::string& url = entry.first;
            const std::string& password = entry.second;
            ecluse::ProcessOptions options;
            options.working_directory = project.root();
            options.extra_environment = {{"ECLUSE_DATABASE_URL", url}};
            ProcessResult result = ecluse::run_process(
                {std::getenv("ECLUSE_BIN"), "-v", "status", "--format", "json"}, options);
            CHECK_MESSAGE(!contains(result.output + result.errors, password), url, ": ",
                          result.errors);
        }
    }

    TEST_CASE(
        "a password in a URL that connects appears neither in the output nor in the database") {
        Project project;
        project.add({"b4c5d6e7f8a9", "pre", "table", "CREATE TABLE t (id int);\nSELECT 1/0;\n",
                     "DROP TABLE t;\n"});
        std::string url = create_database();
        // The scratch server trusts local connections: any password works.
        std::string with_password = url;
        with_password.replace(with_password.find("postgres@"), 9, "postgres:s3cret@");
        ProcessResult up = run_on(project.root(), with_password, {"-v", "upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK(contains(up.output, "upgrade on postgres@"));
        CHECK(contains(up.errors, "22012 division by zero"));
        CHECK_FALSE(contains(up.output + up.errors, "s3cret"));
        CHECK(psql(url, "SELECT count(*) FROM ecluse.event_log WHERE detail LIKE '%s3cret%'") ==
              "0");
    }

} // TEST_SUITE

TEST_SUITE("scripts and servers") {

    TEST_CASE("COPY ... FROM stdin data blocks load in the migration's transaction") {
        Project project;
        std::string url = create_database();
        project.add({"c4d5e6f7a8b9", "pre", "seed cities",
                     "CREATE TABLE cities (name text, population int);\n"
                     "COPY cities (name, population) FROM stdin;\n"
                     "Lyon\t522250\n"
                     "Saint-\\tÉtienne\t173089\n"
                     "\\.\n"
                     "SELECT 1;\n",
                     "DROP TABLE cities;\n"});
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(psql(url,
                   "SELECT string_agg(name || '=' || population, ';' ORDER BY name) FROM cities") ==
              "Lyon=522250;Saint-\tÉtienne=173089");
    }

    TEST_CASE("bad COPY data fails the migration and rolls back its table") {
        Project project;
        std::string url = create_database();
        project.add({"d4e5f6a7b8c9", "pre", "bad seed",
                     "CREATE TABLE cities (name text, population int);\n"
                     "COPY cities (name, population) FROM stdin;\n"
                     "Lyon\tmany\n"
                     "\\.\n",
                     "DROP TABLE cities;\n"});
        ProcessResult up = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK(contains(up.errors, "22P02 invalid input syntax for type integer: \"many\""));
        CHECK_FALSE(relation_exists(url, "cities"));
        CHECK(ledger_rows(url) == 0);
    }

    TEST_CASE("-d scratch migrates a throwaway server of its own") {
        ExampleProject project;
        ProcessResult up = run_ecluse(project.root(), {"-d", "scratch", "upgrade", "heads"});
        CHECK_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(contains(up.output, "12 revisions; pre at "));
        CHECK(contains(up.output, "upgrade on postgres@"));
    }

} // TEST_SUITE
