// The database side under pressure, end to end: two ecluse at once, an
// ecluse killed or disconnected in the middle of a migration, a migration
// blocked by another session's lock. The real binary against a real
// PostgreSQL (one scratch server for this executable, one database per
// test case).

#include "tests/e2e/database_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using ecluse::ProcessResult;
using namespace ecluse::test;
using namespace std::chrono_literals;

namespace {

// A project with one slow revision: it creates a table, then sleeps.
struct SlowProject {
    Project project;
    std::string url = create_database();

    explicit SlowProject(const std::string& sleep = "2", bool no_transaction = false) {
        RevisionSpec spec{"a1b2c3d4e5f6", "pre", "slow one",
                          "CREATE TABLE IF NOT EXISTS slow_table (id int);\nSELECT pg_sleep(" +
                              sleep + ");\n",
                          "DROP TABLE slow_table;\n"};
        spec.no_transaction = no_transaction;
        project.add(spec);
    }

    std::vector<std::string> args(const std::vector<std::string>& more) const {
        std::vector<std::string> out = {"-d", url};
        out.insert(out.end(), more.begin(), more.end());
        return out;
    }

    std::unique_ptr<Spawned> start(const std::vector<std::string>& more) const {
        return Spawned::ecluse(project.root(), args(more));
    }

    ProcessResult run(const std::vector<std::string>& more) const {
        return run_ecluse(project.root(), args(more));
    }

    // The backend pid of the ecluse sleeping in the migration, once it is.
    std::string wait_for_sleep(Spawned& process) const {
        std::string pid;
        bool sleeping = wait_until([&] {
            pid = ecluse_backend_running(url, "pg_sleep");
            return !pid.empty() || !process.running();
        });
        REQUIRE_MESSAGE(sleeping, "ecluse never reached the migration's pg_sleep");
        REQUIRE_MESSAGE(!pid.empty(),
                        "ecluse ended before the migration's pg_sleep: ", process.wait().errors);
        return pid;
    }
};

// The lines of a process's stderr.
std::vector<std::string> error_lines(const std::string& errors) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start < errors.size()) {
        std::size_t end = errors.find('\n', start);
        end = end == std::string::npos ? errors.size() : end;
        lines.push_back(errors.substr(start, end - start));
        start = end + 1;
    }
    return lines;
}

bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int occurrences(const std::string& text, const std::string& needle) {
    int count = 0;
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++count;
    }
    return count;
}

} // namespace

TEST_SUITE("migration lock") {

    TEST_CASE("two upgrades started at once apply the migration exactly once; the second finds "
              "nothing to do") {
        SlowProject db;
        auto first = db.start({"upgrade", "pre@head"});
        auto second = db.start({"upgrade", "pre@head"});
        const ProcessResult& a = first->wait();
        const ProcessResult& b = second->wait();
        CHECK_MESSAGE(a.exit_code == 0, a.errors);
        CHECK_MESSAGE(b.exit_code == 0, b.errors);
        std::string both = a.output + b.output;
        CHECK(occurrences(both, "  applied pre  a1b2c3d4e5f6  slow one  (") == 1);
        CHECK(occurrences(both, "nothing to do: pre at a1b2c3d4e5f6 (head), post at base\n") == 1);
        CHECK(ledger_rows(db.url) == 1);
        CHECK(relation_exists(db.url, "slow_table"));
        CHECK(psql(db.url, "SELECT count(*) FROM ecluse.event_log WHERE action = 'upgrade' AND "
                           "outcome = 'applied'") == "1");
    }

    TEST_CASE("with --lock-wait 200ms the second ecluse exits 3 naming the holder") {
        SlowProject db;
        auto first = db.start({"upgrade", "pre@head"});
        std::string holder = db.wait_for_sleep(*first);

        auto started = std::chrono::steady_clock::now();
        ProcessResult second = db.run({"--lock-wait", "200ms", "upgrade", "pre@head"});
        auto waited = std::chrono::steady_clock::now() - started;
        CHECK(second.exit_code == 3);
        CHECK(contains(
            second.errors,
            "ecluse: error: another ecluse holds the migration lock of this database: pid " +
                holder + " (application \"ecluse\", from local, connected since "));
        CHECK(contains(second.errors,
                       "hint: wait for it to finish, or raise --lock-wait (it was 200 ms)"));
        CHECK(waited >= 200ms);
        CHECK(waited < 1500ms);
        // It changed nothing: the first one finishes its work.
        const ProcessResult& a = first->wait();
        CHECK_MESSAGE(a.exit_code == 0, a.errors);
        CHECK(ledger_rows(db.url) == 1);
    }

    TEST_CASE("status and current do not wait for the migration lock") {
        SlowProject db;
        auto first = db.start({"upgrade", "pre@head"});
        db.wait_for_sleep(*first);
        ProcessResult status = db.run({"--lock-wait", "0ms", "status"});
        CHECK_MESSAGE(status.exit_code == 0, status.errors);
        CHECK(contains(status.output, "a1b2c3d4e5f6  pending"));
        CHECK(db.run({"current"}).output == "base (pre)\nbase (post)\n");
        CHECK(first->wait().exit_code == 0);
    }

    TEST_CASE("the lock of one database does not block an ecluse on another database of the same "
              "server") {
        SlowProject one;
        SlowProject two;
        auto first = one.start({"upgrade", "pre@head"});
        one.wait_for_sleep(*first);
        auto second = two.start({"--lock-wait", "200ms", "upgrade", "pre@head"});
        const ProcessResult& b = second->wait();
        CHECK_MESSAGE(b.exit_code == 0, b.errors);
        CHECK(first->wait().exit_code == 0);
    }

    TEST_CASE("the holder named is the one holding the lock of this database, not of another") {
        SlowProject one;
        SlowProject two;
        auto first = one.start({"upgrade", "pre@head"});
        std::string holder_one = one.wait_for_sleep(*first);
        auto second = two.start({"upgrade", "pre@head"});
        std::string holder_two = two.wait_for_sleep(*second);

        ProcessResult on_one = one.run({"--lock-wait", "100ms", "upgrade", "pre@head"});
        ProcessResult on_two = two.run({"--lock-wait", "100ms", "upgrade", "pre@head"});
        CHECK(on_one.exit_code == 3);
        CHECK(on_two.exit_code == 3);
        CHECK_MESSAGE(contains(on_one.errors, "pid " + holder_one + " "), on_one.errors);
        CHECK_MESSAGE(contains(on_two.errors, "pid " + holder_two + " "), on_two.errors);
        CHECK(first->wait().exit_code == 0);
        CHECK(second->wait().exit_code == 0);
    }

} // TEST_SUITE

TEST_SUITE("interrupted migrations") {

    TEST_CASE("an ecluse killed with SIGKILL in the middle of a migration leaves no trace, and the "
              "next run applies it") {
        SlowProject db("1.5");
        auto process = db.start({"upgrade", "pre@head"});
        db.wait_for_sleep(*process);
        process->kill(SIGKILL);
        CHECK(process->wait().exit_code == 128 + SIGKILL);
        // The backend runs on until pg_sleep returns and it finds the client gone.
        REQUIRE(wait_until([&] { return !ecluse_connected(db.url); }, 10s));

        CHECK_FALSE(relation_exists(db.url, "slow_table"));
        CHECK(ledger_rows(db.url) == 0);
        CHECK(psql(db.url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == "0");

        ProcessResult again = db.run({"upgrade", "pre@head"});
        CHECK_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(contains(again.output, "  applied pre  a1b2c3d4e5f6  slow one  ("));
        CHECK(relation_exists(db.url, "slow_table"));
        CHECK(ledger_rows(db.url) == 1);
    }

    TEST_CASE("an ecluse killed inside a transaction: none revision: status shows where it "
              "stopped, and the rerun resumes at that statement, saying so") {
        Project project;
        std::string url = create_database();
        project.add({"aaaaaaaaaaaa", "pre", "counter",
                     "CREATE TABLE counter (n int);\nCREATE TABLE gate (open boolean);\n",
                     "DROP TABLE counter;\nDROP TABLE gate;\n"});
        RevisionSpec steps{
            "bbbbbbbbbbbb", "pre", "backfill in steps",
            "INSERT INTO counter VALUES (1);\n"
            "SELECT pg_sleep(CASE WHEN EXISTS (SELECT FROM gate) THEN 0 ELSE 60 END);\n"
            "INSERT INTO counter VALUES (3);\n",
            "DELETE FROM counter;\n"};
        steps.no_transaction = true;
        project.add(steps);
        auto process = Spawned::ecluse(project.root(), {"-d", url, "upgrade", "pre@head"});
        REQUIRE(wait_until([&] { return !ecluse_backend_running(url, "pg_sleep").empty(); }));
        process->kill(SIGKILL);
        CHECK(process->wait().exit_code == 128 + SIGKILL);
        psql(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = "
                  "current_database() AND application_name = 'ecluse'");
        REQUIRE(wait_until([&] { return !ecluse_connected(url); }, 10s));

        CHECK(states(project.root(), url)["bbbbbbbbbbbb"] == "interrupted");
        CHECK(contains(run_on(project.root(), url, {"status"}).output,
                       "upgrade interrupted at statement 2 of 3"));
        psql(url, "INSERT INTO gate VALUES (true)");
        ProcessResult again = run_on(project.root(), url, {"upgrade", "pre@head"});
        REQUIRE_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(contains(again.errors, "resuming the interrupted upgrade of bbbbbbbbbbbb"));
        CHECK(contains(again.output, "resumed at statement 2 of 3"));
        CHECK(psql(url, "SELECT string_agg(n::text, ',' ORDER BY n) FROM counter") == "1,3");
        CHECK(states(project.root(), url)["bbbbbbbbbbbb"] == "applied");
        CHECK(psql(url, "SELECT count(*) FROM ecluse.statement_progress") == "0");
    }

    TEST_CASE("a transaction: none revision that failed resumes at the failed statement once it "
              "is fixed, and from statement 1 when an earlier statement changed") {
        Project project;
        std::string url = create_database();
        project.add({"aaaaaaaaaaaa", "pre", "counter", "CREATE TABLE counter (n int);\n",
                     "DROP TABLE counter;\n"});
        RevisionSpec steps{"bbbbbbbbbbbb", "pre", "backfill in steps",
                           "INSERT INTO counter VALUES (1);\nSELECT 1/0;\n",
                           "DELETE FROM counter;\n"};
        steps.no_transaction = true;
        std::filesystem::path path = project.add(steps);
        ProcessResult failed = run_on(project.root(), url, {"upgrade", "pre@head"});
        CHECK(failed.exit_code == 1);
        CHECK(contains(failed.errors, "it resumes at statement 2"));

        write(path, Project::render({"bbbbbbbbbbbb",
                                     "pre",
                                     "backfill in steps",
                                     "INSERT INTO counter VALUES (1);\nSELECT 1/1;\n",
                                     "DELETE FROM counter;\n",
                                     {},
                                     true},
                                    "aaaaaaaaaaaa"));
        ProcessResult fixed = run_on(project.root(), url, {"upgrade", "pre@head"});
        REQUIRE_MESSAGE(fixed.exit_code == 0, fixed.errors);
        CHECK(contains(fixed.output, "resumed at statement 2 of 2"));
        CHECK(psql(url, "SELECT count(*) FROM counter") == "1");

        // Down, fail again, then change statement 1: nothing is skipped.
        REQUIRE(run_on(project.root(), url, {"downgrade", "aaaaaaaaaaaa"}).exit_code == 0);
        write(path, Project::render(steps, "aaaaaaaaaaaa"));
        CHECK(run_on(project.root(), url, {"upgrade", "pre@head"}).exit_code == 1);
        write(path, Project::render({"bbbbbbbbbbbb",
                                     "pre",
                                     "backfill in steps",
                                     "INSERT INTO counter VALUES (2);\nSELECT 1/1;\n",
                                     "DELETE FROM counter;\n",
                                     {},
                                     true},
                                    "aaaaaaaaaaaa"));
        ProcessResult changed = run_on(project.root(), url, {"upgrade", "pre@head"});
        REQUIRE_MESSAGE(changed.exit_code == 0, changed.errors);
        CHECK(contains(changed.errors, "changed since: running it from statement 1"));
        CHECK_FALSE(contains(changed.output, "resumed"));
        CHECK(psql(url, "SELECT string_agg(n::text, ',' ORDER BY n) FROM counter") == "1,2");
    }

    TEST_CASE("a connection terminated by the server mid-migration is a clear error and nothing is "
              "half-applied") {
        SlowProject db("3");
        auto process = db.start({"upgrade", "pre@head"});
        db.wait_for_sleep(*process);
        CHECK(psql(db.url,
                   "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                   "WHERE datname = current_database() AND application_name = 'ecluse'") == "1");
        auto started = std::chrono::steady_clock::now();
        const ProcessResult& result = process->wait(10s);
        CHECK(std::chrono::steady_clock::now() - started < 2s);
        // Lost: exit 4, so that a pipeline retries.
        CHECK_MESSAGE(result.exit_code == 4, result.errors);
        // One line naming the revision and its file, the server's reason (libpq
        // drops the SQLSTATE of a FATAL error that closes the connection), and
        // one hint line; none of libpq's multi-line advice.
        std::vector<std::string> lines = error_lines(result.errors);
        REQUIRE_MESSAGE(lines.size() == 2, result.errors);
        CHECK(lines[0].rfind("ecluse: error: the server closed the connection while applying "
                             "a1b2c3d4e5f6 (migrations/pre/",
                             0) == 0);
        CHECK(ends_with(lines[0],
                        "_slow_one.sql): terminating connection due to administrator command"));
        CHECK(lines[1].rfind("  hint: the connection was lost; PostgreSQL rolled the migration "
                             "back, so none of it is applied. The server's log says why",
                             0) == 0);
        CHECK_FALSE(contains(result.errors, "This probably means"));
        CHECK_FALSE(relation_exists(db.url, "slow_table"));
        CHECK(ledger_rows(db.url) == 0);

        ProcessResult again = db.run({"upgrade", "pre@head"});
        CHECK_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(ledger_rows(db.url) == 1);
    }

    TEST_CASE(
        "a transaction: none revision whose connection is terminated says what is left applied") {
        SlowProject db("3", true);
        auto process = db.start({"upgrade", "pre@head"});
        db.wait_for_sleep(*process);
        psql(db.url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                     "WHERE datname = current_database() AND application_name = 'ecluse'");
        const ProcessResult& result = process->wait(10s);
        CHECK_MESSAGE(result.exit_code == 4, result.errors);
        std::vector<std::string> lines = error_lines(result.errors);
        REQUIRE_MESSAGE(lines.size() == 2, result.errors);
        CHECK(lines[0].rfind("ecluse: error: the server closed the connection while applying "
                             "a1b2c3d4e5f6 (",
                             0) == 0);
        CHECK(ends_with(lines[0], "terminating connection due to administrator command"));
        CHECK(contains(lines[1], "  hint: this revision runs without a transaction: statement 2 "
                                 "of 2 failed; statement 1 is applied and stays applied"));
        CHECK(relation_exists(db.url, "slow_table"));
        CHECK(ledger_rows(db.url) == 0);
    }

} // TEST_SUITE

TEST_SUITE("lock_timeout") {

    namespace {

    // A project whose second revision alters the table the first one creates.
    struct AlterProject {
        Project project;
        std::string url = create_database();

        AlterProject() {
            project.add({"b1b2c3d4e5f6", "pre", "table", "CREATE TABLE locked (id int);\n",
                         "DROP TABLE locked;\n"});
            REQUIRE(run_ecluse(project.root(), {"-d", url, "upgrade", "pre@head"}).exit_code == 0);
            project.add({"c1b2c3d4e5f6", "pre", "alter it",
                         "ALTER TABLE locked ADD COLUMN added int;\n",
                         "ALTER TABLE locked DROP COLUMN added;\n"});
        }

        // Another session takes ACCESS EXCLUSIVE on the table for `seconds`.
        std::unique_ptr<Spawned> hold_lock(const std::string& seconds) const {
            auto holder = std::make_unique<Spawned>(
                std::vector<std::string>{
                    "/usr/bin/psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", url, "-c",
                    "BEGIN; LOCK TABLE locked IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(" +
                        seconds + "); COMMIT;"},
                project.root());
            bool locked = wait_until([&] {
                return psql(url,
                            "SELECT count(*) FROM pg_locks WHERE relation = 'locked'::regclass "
                            "AND mode = 'AccessExclusiveLock' AND granted") == "1";
            });
            REQUIRE_MESSAGE(locked, "the other session never took its lock");
            return holder;
        }

        bool column_added() const {
            return psql(url, "SELECT count(*) FROM information_schema.columns WHERE table_name = "
                             "'locked' "
                             "AND column_name = 'added'") == "1";
        }
    };

    } // namespace

    TEST_CASE("a migration blocked by another session's lock is retried and succeeds once the lock "
              "is released") {
        AlterProject db;
        auto holder = db.hold_lock("2");
        auto started = std::chrono::steady_clock::now();
        ProcessResult up = run_ecluse(
            db.project.root(), {"-d", db.url, "--lock-timeout", "200ms", "upgrade", "pre@head"});
        auto took = std::chrono::steady_clock::now() - started;
        CHECK_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(contains(
            up.errors,
            "  c1b2c3d4e5f6: canceling statement due to lock timeout; retrying (attempt 2)\n"));
        CHECK(contains(up.output, "  applied pre  c1b2c3d4e5f6  alter it  ("));
        CHECK(db.column_added());
        CHECK(ledger_rows(db.url) == 2);
        CHECK(psql(db.url,
                   "SELECT count(*) > 0 FROM ecluse.event_log WHERE revision = 'c1b2c3d4e5f6' "
                   "AND outcome = 'retry'") == "t");
        // It waited for the lock rather than giving up: the retries paused 1 s, then 2 s.
        CHECK(took > 1500ms);
        CHECK(took < 8s);
        CHECK(holder->wait().exit_code == 0);
    }

    TEST_CASE("--format json reports the number of attempts of a retried migration") {
        AlterProject db;
        auto holder = db.hold_lock("0.8");
        ProcessResult up =
            run_ecluse(db.project.root(), {"-d", db.url, "--format", "json", "--lock-timeout",
                                           "200ms", "upgrade", "pre@head"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        auto document = nlohmann::json::parse(up.output);
        REQUIRE(document["steps"].size() == 1);
        CHECK(document["steps"][0]["revision"] == "c1b2c3d4e5f6");
        CHECK(document["steps"][0]["attempts"] == 2);
        CHECK(document["position"]["pre"] == "c1b2c3d4e5f6");
        CHECK(holder->wait().exit_code == 0);
    }

    TEST_CASE("a revision's own lock_timeout header applies without --lock-timeout") {
        AlterProject db;
        fs::path path = revision_files(db.project.root(), "pre").back();
        std::string content = read(path);
        content.insert(content.find("-- transaction:"), "-- lock_timeout: 200ms\n");
        write(path, content);
        auto holder = db.hold_lock("0.8");
        ProcessResult up = run_ecluse(db.project.root(), {"-d", db.url, "upgrade", "pre@head"});
        CHECK_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(contains(
            up.errors,
            "  c1b2c3d4e5f6: canceling statement due to lock timeout; retrying (attempt 2)\n"));
        CHECK(db.column_added());
        CHECK(holder->wait().exit_code == 0);
    }

    TEST_CASE("a migration still blocked after its retries fails, naming the lock timeout, and is "
              "rolled back") {
        AlterProject db;
        // 4 attempts of 200 ms and pauses of 1, 2 and 4 s: about 8 s.
        auto holder = db.hold_lock("9.5");
        ProcessResult up = run_ecluse(
            db.project.root(), {"-d", db.url, "--lock-timeout", "200ms", "upgrade", "pre@head"});
        CHECK(up.exit_code == 1);
        CHECK(occurrences(up.errors, "retrying (attempt ") == 3);
        CHECK(contains(up.errors, "upgrade of c1b2c3d4e5f6 (pre, alter it) failed at "));
        CHECK(contains(up.errors, "55P03 canceling statement due to lock timeout"));
        CHECK(contains(up.errors, "gave up after 4 attempts on lock_timeout"));
        CHECK_FALSE(db.column_added());
        CHECK(ledger_rows(db.url) == 1);
        holder->kill(SIGKILL);
    }

} // TEST_SUITE
