// Progress as a CI log shows it: stdout is a file, not a terminal, and every
// line is there when it happens (a migration's start before it runs); a
// statement that runs longer than --progress-interval gets a line with its
// elapsed time and what it waits for, a lock and its holder, or an index
// build's phase.

#include "tests/e2e/database_support.hpp"
#include "util/strings.hpp"

using ecluse::ProcessResult;
using namespace ecluse::test;

namespace {

// A session that holds the statement of `sql` open for a few seconds, in
// the background: psql runs one transaction, then sleeps inside it.
std::unique_ptr<Spawned> hold(const std::string& url, const std::string& sql,
                              const std::filesystem::path& cwd) {
    auto session = std::make_unique<Spawned>(
        std::vector<std::string>{"/usr/bin/psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url,
                                 "-c", "BEGIN; " + sql + "; SELECT pg_sleep(4); COMMIT;"},
        cwd);
    REQUIRE(wait_until(
        [&] {
            return psql(url,
                        "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
                        "'psql' AND query LIKE '%pg_sleep(4)%' AND state = 'active' AND pid <> "
                        "pg_backend_pid()") == "1";
        },
        std::chrono::seconds(10)));
    return session;
}

} // namespace

TEST_SUITE("progress") {
    TEST_CASE("upgrade writes each line when it happens, a start line before a migration runs") {
        std::string url = create_database();
        Project project;
        project.add({"a1a1a1a1a1a1", "pre", "create users", "CREATE TABLE users (id int);\n"});
        project.add({"b2b2b2b2b2b2", "pre", "slow backfill", "SELECT 1;\nSELECT pg_sleep(3);\n"});
        auto upgrade = Spawned::ecluse(
            project.root(), {"-d", url, "--progress-interval", "1s", "upgrade", "heads"});
        // While the second migration sleeps, the log already says what was
        // applied, what runs, and what the statement is doing.
        bool seen = wait_until(
            [&] {
                return contains(upgrade->output_so_far(), "waiting on Timeout: PgSleep") ||
                       !upgrade->running();
            },
            std::chrono::seconds(20));
        REQUIRE(seen);
        std::string so_far = upgrade->output_so_far();
        CHECK_MESSAGE(upgrade->running(), so_far);
        CHECK_MESSAGE(contains(so_far, "applied pre  a1a1a1a1a1a1  create users"), so_far);
        CHECK_MESSAGE(contains(so_far, "applying pre  b2b2b2b2b2b2  slow backfill ..."), so_far);
        CHECK_MESSAGE(contains(so_far, "b2b2b2b2b2b2: statement 2 of 2 ("), so_far);
        CHECK_MESSAGE(contains(so_far, "_slow_backfill.sql:8:1), "), so_far);
        CHECK_MESSAGE(!contains(so_far, "applied pre  b2b2b2b2b2b2"), so_far);

        const ProcessResult& done = upgrade->wait();
        REQUIRE_MESSAGE(done.exit_code == 0, done.errors);
        CHECK(line_of(done.output, "applying pre  a1a1a1a1a1a1") <
              line_of(done.output, "applied pre  a1a1a1a1a1a1"));
        CHECK(line_of(done.output, "applying pre  b2b2b2b2b2b2") <
              line_of(done.output, "b2b2b2b2b2b2: statement 2 of 2"));
        CHECK(line_of(done.output, "b2b2b2b2b2b2: statement 2 of 2") <
              line_of(done.output, "applied pre  b2b2b2b2b2b2"));
    }

    TEST_CASE("a statement waiting for a lock names the session that holds it") {
        std::string url = create_database();
        psql(url, "CREATE TABLE bookings (id int)");
        Project project;
        project.add({"c3c3c3c3c3c3", "pre", "add note", "ALTER TABLE bookings ADD note text;\n"});
        auto holder = hold(url, "LOCK TABLE bookings IN ACCESS SHARE MODE", project.root());
        ProcessResult result =
            run_on(project.root(), url,
                   {"--progress-interval", "1s", "--lock-timeout", "20s", "upgrade", "heads"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK_MESSAGE(contains(result.output, "c3c3c3c3c3c3: statement 1 of 1 ("), result.output);
        CHECK_MESSAGE(contains(result.output, "waiting for a lock (relation) held by pid "),
                      result.output);
        CHECK_MESSAGE(contains(result.output, "(psql, active)"), result.output);
        CHECK(holder->wait().exit_code == 0);
    }

    TEST_CASE("an index built concurrently shows its phase; deploy's JSON carries it") {
        std::string url = create_database();
        psql(url, "CREATE TABLE venues (id int, city text)");
        Project project;
        project.add({"d4d4d4d4d4d4",
                     "pre",
                     "index venues by city",
                     "CREATE INDEX CONCURRENTLY venues_city ON venues (city);\n",
                     std::string("DROP INDEX CONCURRENTLY venues_city;\n"),
                     {},
                     true});
        // An open transaction that wrote to the table: the build waits for it.
        auto writer = hold(url, "INSERT INTO venues VALUES (1, 'Lyon')", project.root());
        ProcessResult result =
            run_on(project.root(), url,
                   {"--progress-interval", "1s", "--format", "json", "deploy", "--hook", "true"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        bool started = false;
        std::string activity;
        for (const std::string& line : ecluse::split(result.output, '\n')) {
            if (line.empty()) {
                continue;
            }
            nlohmann::json event = nlohmann::json::parse(line);
            if (event["event"] == "migration_started" && event["revision"] == "d4d4d4d4d4d4") {
                started = true;
            }
            if (event["event"] == "statement_activity" && activity.empty()) {
                CHECK(started);
                CHECK(event["phase"] == "pre");
                CHECK(event["elapsed_ms"].get<double>() >= 900);
                activity = event["activity"].get<std::string>();
            }
        }
        CHECK(started);
        CHECK_MESSAGE(
            contains(activity, "CREATE INDEX CONCURRENTLY, waiting for writers before build"),
            result.output);
        CHECK(writer->wait().exit_code == 0);
        CHECK(relation_exists(url, "venues_city"));
    }

    TEST_CASE("--progress-interval 0 writes no activity line; a bad value names the flag") {
        std::string url = create_database();
        Project project;
        project.add({"e5e5e5e5e5e5", "pre", "short sleep", "SELECT pg_sleep(1.5);\n"});
        ProcessResult quiet =
            run_on(project.root(), url, {"--progress-interval", "0", "upgrade", "heads"});
        REQUIRE_MESSAGE(quiet.exit_code == 0, quiet.errors);
        CHECK_MESSAGE(!contains(quiet.output, "statement 1 of 1"), quiet.output);
        CHECK(contains(quiet.output, "applying pre  e5e5e5e5e5e5"));

        ProcessResult bad = run_on(project.root(), url, {"--progress-interval", "5", "status"});
        CHECK(bad.exit_code == 2);
        CHECK_MESSAGE(contains(bad.errors, "--progress-interval"), bad.errors);
    }
}
