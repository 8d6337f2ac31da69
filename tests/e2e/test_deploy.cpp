// `ecluse deploy` end to end: the real binary against the scratch server,
// with real hooks (shell scripts that leave files behind to prove what ran)
// and real signals.

#include "tests/e2e/database_support.hpp"
#include "util/strings.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using ecluse::ProcessResult;
using namespace ecluse::test;
using namespace std::chrono_literals;

namespace {

// The shell script every test's deploy/hook runs: it records its
// environment, appends to hook-runs, and exits with the number in
// hook-exit (0 when the file is missing).
const char* const k_recording_hook = R"(#!/bin/sh
echo "deploying $ECLUSE_DEPLOY_ID: phase=$ECLUSE_PHASE pre=$ECLUSE_PRE_HEAD post=$ECLUSE_POST_HEAD"
echo "a warning on stderr" >&2
echo "$ECLUSE_DEPLOY_ID" >> hook-runs
exit $(cat hook-exit 2>/dev/null || echo 0)
)";

// A project with two pre and one post revision, a deploy hook, one database.
struct Deploy {
    Project project;
    std::string url = create_database();
    fs::path post_path;

    explicit Deploy(
        const std::string& first_pre_sql = "CREATE TABLE accounts (id int);\n",
        const std::string& second_pre_sql = "ALTER TABLE accounts ADD COLUMN email text;\n",
        const std::string& post_sql = "ALTER TABLE accounts DROP COLUMN legacy;\n") {
        project.add({"aaaa00000001", "pre", "create accounts",
                     first_pre_sql + "ALTER TABLE accounts ADD COLUMN legacy text;\n",
                     "DROP TABLE accounts;\n"});
        project.add({"aaaa00000002", "pre", "add accounts email", second_pre_sql,
                     "ALTER TABLE accounts DROP COLUMN email;\n"});
        post_path = project.add({"bbbb00000001", "post", "drop accounts legacy", post_sql,
                                 "ALTER TABLE accounts ADD COLUMN legacy text;\n"});
        set_hook(k_recording_hook);
    }

    fs::path file(const std::string& name) const { return project.root() / name; }

    void set_hook(const std::string& script) const {
        fs::create_directories(file("deploy"));
        write(file("deploy/hook"), script);
        fs::permissions(file("deploy/hook"), fs::perms::owner_all);
    }

    // Rewrites the post revision with new SQL (it is not applied yet).
    void fix_post(const std::string& sql) const {
        write(post_path, Project::render({"bbbb00000001", "post", "drop accounts legacy", sql,
                                          "ALTER TABLE accounts ADD COLUMN legacy text;\n"},
                                         "none"));
    }

    std::vector<std::string> args(const std::vector<std::string>& more) const {
        std::vector<std::string> out = {"-d", url};
        out.insert(out.end(), more.begin(), more.end());
        return out;
    }
    ProcessResult run(const std::vector<std::string>& more) const {
        return run_ecluse(project.root(), args(more));
    }
    std::unique_ptr<Spawned> start(const std::vector<std::string>& more) const {
        return Spawned::ecluse(project.root(), args(more));
    }

    // How many times the hook ran (lines of hook-runs).
    int hook_runs() const {
        if (!fs::exists(file("hook-runs"))) {
            return 0;
        }
        std::string text = read(file("hook-runs"));
        return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
    }

    std::string applied() const {
        return psql(url, "SELECT coalesce(string_agg(revision, ',' ORDER BY revision), '') "
                         "FROM ecluse.applied_revision");
    }

    // The deploy rows of the event log: "action outcome" per line, oldest first.
    std::string deploy_log() const {
        return psql(url, "SELECT string_agg(action || ' ' || outcome, E'\\n' ORDER BY event_id) "
                         "FROM ecluse.event_log WHERE action LIKE 'deploy%'");
    }
};

std::vector<nlohmann::json> json_lines(const std::string& output) {
    std::vector<nlohmann::json> lines;
    std::size_t start = 0;
    while (start < output.size()) {
        std::size_t end = output.find('\n', start);
        REQUIRE_MESSAGE(end != std::string::npos, "the last JSON line has no newline");
        std::string line = output.substr(start, end - start);
        INFO(line);
        REQUIRE_NOTHROW(lines.push_back(nlohmann::json::parse(line)));
        REQUIRE(lines.back().is_object());
        start = end + 1;
    }
    return lines;
}

// The revisions of the migration_applied (or planned) events of a phase.
std::vector<std::string> applied_in(const std::vector<nlohmann::json>& events,
                                    const std::string& phase) {
    std::vector<std::string> out;
    for (const auto& event : events) {
        if (event["event"] == "migration_applied" && event["phase"] == phase) {
            out.push_back(event["revision"].get<std::string>());
        }
        if (event["event"] == "plan" && event["phase"] == phase && event.contains("migrations")) {
            for (const auto& migration : event["migrations"]) {
                out.push_back(migration["revision"].get<std::string>());
            }
        }
    }
    return out;
}

} // namespace

TEST_SUITE("deploy") {

    TEST_CASE("a full deploy runs pre, the hook with its environment, then post, and logs each "
              "phase") {
        Deploy deploy;
        ProcessResult result = deploy.run({"deploy"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002,bbbb00000001");
        CHECK(deploy.hook_runs() == 1);
        std::string id(ecluse::trim(read(deploy.file("hook-runs"))));
        CHECK(contains(result.output, "  [hook] deploying " + id +
                                          ": phase=deploy pre=aaaa00000002 post=bbbb00000001\n"));
        CHECK(contains(result.errors, "  [hook] a warning on stderr\n"));
        CHECK(line_of(result.output, "applied aaaa00000001") <
              line_of(result.output, "applied aaaa00000002"));
        CHECK(line_of(result.output, "applied aaaa00000002") < line_of(result.output, "[hook]"));
        CHECK(line_of(result.output, "[hook]") < line_of(result.output, "applied bbbb00000001"));
        CHECK(contains(result.output, "deploy " + id +
                                          " succeeded: pre at aaaa00000002, post at "
                                          "bbbb00000001\n"));
        CHECK(deploy.deploy_log() == "deploy started\n"
                                     "deploy pre started\n"
                                     "deploy pre succeeded\n"
                                     "deploy deploy started\n"
                                     "deploy deploy succeeded\n"
                                     "deploy post started\n"
                                     "deploy post succeeded\n"
                                     "deploy succeeded");

        ProcessResult again = deploy.run({"deploy"});
        REQUIRE_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(contains(again.output, "pre: nothing to apply\n"));
        CHECK(contains(again.output, "post: nothing to apply\n"));
        CHECK_FALSE(contains(again.output, "resuming"));
        CHECK(deploy.hook_runs() == 2);
        CHECK(read(deploy.file("hook-runs")).find(id) == 0);
        CHECK_FALSE(contains(read(deploy.file("hook-runs")).substr(id.size() + 1), id));
    }

    TEST_CASE(
        "a deploy left unfinished by a layout-2 ecluse is resumed after the ledger's upgrade") {
        Deploy deploy;
        write(deploy.file("hook-exit"), "3\n");
        REQUIRE(deploy.run({"deploy"}).exit_code == 11);
        std::string id = psql(deploy.url, "SELECT deploy_id FROM ecluse.event_log WHERE action = "
                                          "'deploy' AND outcome = 'started'");
        REQUIRE(!id.empty());
        CHECK(psql(deploy.url, "SELECT DISTINCT deploy_heads FROM ecluse.event_log WHERE action "
                               "LIKE 'deploy%'") == "heads pre=aaaa00000002 post=bbbb00000001");
        // Layout 2 had the deploy in the detail text only.
        psql(deploy.url, "ALTER TABLE ecluse.event_log DROP COLUMN deploy_id, "
                         "DROP COLUMN deploy_heads; UPDATE ecluse.ledger_version SET version = 2");
        // A command that takes no lock reads the old layout as it is.
        ProcessResult plan = deploy.run({"deploy", "--plan"});
        CHECK_MESSAGE(plan.exit_code == 0, plan.errors);

        fs::remove(deploy.file("hook-exit"));
        ProcessResult again = deploy.run({"deploy"});
        REQUIRE_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(contains(again.output, "resuming deploy " + id + ": it stopped (failed) at "));
        CHECK(psql(deploy.url, "SELECT max(version) FROM ecluse.ledger_version") == "4");
        // Every deploy event, the old ones included, carries the deploy in its columns.
        CHECK(psql(deploy.url, "SELECT count(*) FROM ecluse.event_log WHERE action LIKE "
                               "'deploy%' AND (deploy_id IS DISTINCT FROM '" +
                                   id + "' OR deploy_heads IS NULL)") == "0");
        std::string runs = read(deploy.file("hook-runs"));
        CHECK(runs == id + "\n" + id + "\n");
    }

    TEST_CASE("the hook fails: exit 11, pre applied and post not; after the fix the rerun skips "
              "pre, runs the hook, applies post and exits 0") {
        Deploy deploy;
        write(deploy.file("hook-exit"), "3\n");
        ProcessResult failed = deploy.run({"deploy"});
        CHECK_MESSAGE(failed.exit_code == 11, failed.errors);
        CHECK(contains(failed.errors, "ecluse: error: the deploy hook `"));
        CHECK(contains(failed.errors, "deploy/hook` failed with exit code 3\n"));
        CHECK(contains(failed.errors, "hint: pre is applied and stays applied, post did not run"));
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002");
        CHECK(deploy.hook_runs() == 1);
        CHECK(psql(deploy.url, "SELECT count(*) FROM information_schema.columns WHERE "
                               "table_name = 'accounts' AND column_name = 'legacy'") == "1");

        fs::remove(deploy.file("hook-exit"));
        ProcessResult again = deploy.run({"deploy"});
        REQUIRE_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(contains(again.output, "pre: nothing to apply\n"));
        CHECK_FALSE(contains(again.output, "applied aaaa0000000"));
        CHECK(contains(again.output, "  applied bbbb00000001  drop accounts legacy  ("));
        CHECK(deploy.hook_runs() == 2);
        // The rerun resumes the same deploy: the hook sees the same id.
        std::string runs = read(deploy.file("hook-runs"));
        std::string first = runs.substr(0, runs.find('\n'));
        CHECK(runs == first + "\n" + first + "\n");
        CHECK(contains(again.output, "resuming deploy " + first + ": it stopped (failed) at "));
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002,bbbb00000001");
        CHECK(contains(deploy.deploy_log(), "deploy deploy failed\ndeploy failed\n"
                                            "deploy started\ndeploy pre started\n"));
    }

    TEST_CASE("a pre migration fails: exit 10, the hook never starts, what was applied stays") {
        Deploy deploy("CREATE TABLE accounts (id int);\n", "SELECT 1/0;\n");
        ProcessResult result = deploy.run({"deploy"});
        CHECK_MESSAGE(result.exit_code == 10, result.errors);
        CHECK(contains(result.errors,
                       "ecluse: error: upgrade of aaaa00000002 (pre, add accounts email) failed at "
                       "migrations/pre/"));
        CHECK(contains(result.errors, "22012 division by zero"));
        CHECK(contains(result.errors, "the pre phase failed, so the hook did not run"));
        CHECK_FALSE(fs::exists(deploy.file("hook-runs")));
        CHECK(deploy.applied() == "aaaa00000001");
        CHECK(contains(deploy.deploy_log(), "deploy pre failed\ndeploy failed"));
        CHECK_FALSE(contains(deploy.deploy_log(), "deploy deploy"));
    }

    TEST_CASE("a post migration fails: exit 12; after the fix `deploy --phase post` exits 0 "
              "without running the hook again") {
        Deploy deploy("CREATE TABLE accounts (id int);\n",
                      "ALTER TABLE accounts ADD COLUMN email text;\n",
                      "ALTER TABLE accounts DROP COLUMN no_such_column;\n");
        ProcessResult failed = deploy.run({"deploy"});
        CHECK_MESSAGE(failed.exit_code == 12, failed.errors);
        CHECK(contains(failed.errors, "upgrade of bbbb00000001 (post, drop accounts legacy) "
                                      "failed at migrations/post/"));
        CHECK(contains(failed.errors, "run `ecluse deploy --phase post`"));
        CHECK(deploy.hook_runs() == 1);
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002");

        deploy.fix_post("ALTER TABLE accounts DROP COLUMN legacy;\n");
        ProcessResult post = deploy.run({"deploy", "--phase", "post"});
        REQUIRE_MESSAGE(post.exit_code == 0, post.errors);
        CHECK(contains(post.output, "  applied bbbb00000001  drop accounts legacy  ("));
        CHECK_FALSE(contains(post.output, "pre:"));
        CHECK(deploy.hook_runs() == 1);
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002,bbbb00000001");
    }

    TEST_CASE("--phase runs one phase alone; deploy and post refuse to run before pre is done") {
        Deploy deploy;
        ProcessResult post = deploy.run({"deploy", "--phase", "post"});
        CHECK(post.exit_code == 1);
        CHECK(contains(post.errors, "ecluse: error: the post phase needs every pre revision "
                                    "applied, and 2 are pending (the first: aaaa00000001, create "
                                    "accounts): nothing was deployed\n"));
        CHECK(contains(post.errors, "hint: run `ecluse deploy --phase pre` first"));
        CHECK(deploy.run({"deploy", "--phase", "deploy"}).exit_code == 1);
        CHECK(deploy.hook_runs() == 0);

        ProcessResult pre = deploy.run({"deploy", "--phase", "pre"});
        REQUIRE_MESSAGE(pre.exit_code == 0, pre.errors);
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002");
        CHECK(deploy.hook_runs() == 0);
        ProcessResult hook = deploy.run({"deploy", "--phase", "deploy"});
        REQUIRE_MESSAGE(hook.exit_code == 0, hook.errors);
        CHECK(deploy.hook_runs() == 1);
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002");
        ProcessResult rest = deploy.run({"deploy", "--phase", "post"});
        REQUIRE_MESSAGE(rest.exit_code == 0, rest.errors);
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002,bbbb00000001");
        // Separate jobs of one release share one deploy id.
        std::string id = psql(deploy.url, "SELECT count(DISTINCT split_part(detail, '; ', 2)) "
                                          "FROM ecluse.event_log WHERE action = 'deploy'");
        CHECK(id == "1");
    }

    TEST_CASE("SIGTERM while the hook runs: the hook receives it, ecluse exits non-zero and logs "
              "the deploy as interrupted; the next deploy completes") {
        Deploy deploy;
        deploy.set_hook("#!/bin/sh\n"
                        "trap 'echo TERM > hook-got-term; exit 143' TERM\n"
                        "echo started > hook-started\n"
                        "sleep 30 &\n"
                        "wait\n");
        auto process = deploy.start({"deploy"});
        REQUIRE(wait_until([&] { return fs::exists(deploy.file("hook-started")); }, 20s));
        process->kill(SIGTERM);
        const ProcessResult& result = process->wait(20s);
        CHECK_MESSAGE(result.exit_code == 128 + SIGTERM, result.errors);
        CHECK(wait_until([&] { return fs::exists(deploy.file("hook-got-term")); }, 5s));
        CHECK(contains(result.errors, "interrupted by SIGTERM during the deploy phase"));
        CHECK(contains(deploy.deploy_log(), "deploy deploy interrupted\ndeploy interrupted"));
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002");
        CHECK(wait_until([&] {
            return psql(deploy.url, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") ==
                   "0";
        }));

        deploy.set_hook(k_recording_hook);
        ProcessResult again = deploy.run({"deploy"});
        REQUIRE_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(contains(again.output, "resuming deploy "));
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002,bbbb00000001");
    }

    TEST_CASE("an ecluse killed with SIGKILL while the hook runs leaves nothing of the hook "
              "running: its whole process group gets SIGTERM, then SIGKILL") {
        Deploy deploy;
        // The hook's children: one that ends on SIGTERM, one that ignores it.
        deploy.set_hook("#!/bin/sh\n"
                        "trap 'echo TERM > hook-got-term; exit 143' TERM\n"
                        "sleep 60 &\n"
                        "echo $! > child-pid\n"
                        "(trap '' TERM; sleep 60) &\n"
                        "echo $! > stubborn-pid\n"
                        "echo started > hook-started\n"
                        "wait\n");
        auto process = deploy.start({"deploy"});
        REQUIRE(wait_until([&] { return fs::exists(deploy.file("hook-started")); }, 20s));
        pid_t child = std::stoi(read(deploy.file("child-pid")));
        pid_t stubborn = std::stoi(read(deploy.file("stubborn-pid")));
        REQUIRE(::kill(child, 0) == 0);
        REQUIRE(::kill(stubborn, 0) == 0);
        process->kill(SIGKILL);
        CHECK(process->wait(20s).exit_code == 128 + SIGKILL);
        CHECK(wait_until([&] { return fs::exists(deploy.file("hook-got-term")); }, 5s));
        CHECK(wait_until([&] { return ::kill(child, 0) != 0; }, 5s));
        CHECK(wait_until([&] { return ::kill(stubborn, 0) != 0; }, 15s));
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002");
    }

    TEST_CASE("a second SIGTERM during a hook that ignores SIGTERM kills it") {
        Deploy deploy;
        deploy.set_hook("#!/bin/sh\n"
                        "trap '' TERM\n"
                        "echo started > hook-started\n"
                        "sleep 60\n");
        auto process = deploy.start({"deploy"});
        REQUIRE(wait_until([&] { return fs::exists(deploy.file("hook-started")); }, 20s));
        process->kill(SIGTERM);
        std::this_thread::sleep_for(500ms);
        CHECK(process->running()); // the hook ignored it
        process->kill(SIGTERM);
        const ProcessResult& result = process->wait(10s);
        CHECK_MESSAGE(result.exit_code == 128 + SIGTERM, result.errors);
        CHECK(contains(deploy.deploy_log(), "deploy deploy interrupted\ndeploy interrupted"));
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002");
    }

    TEST_CASE("a closed output pipe (deploy | head -1) does not kill the deploy midway") {
        Deploy deploy;
        deploy.set_hook("#!/bin/sh\n"
                        "i=0\n"
                        "while [ $i -lt 3000 ]; do echo \"rolling out, step $i\"; i=$((i + 1)); "
                        "done\n");
        ecluse::ProcessOptions options;
        options.working_directory = deploy.project.root();
        options.extra_environment = {{"ECLUSE", std::getenv("ECLUSE_BIN")}, {"URL", deploy.url}};
        ProcessResult result =
            run_process({"sh", "-c", "\"$ECLUSE\" -d \"$URL\" deploy | head -1"}, options);
        CHECK(ecluse::split_lines(result.output).size() == 1);
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002,bbbb00000001");
        CHECK(contains(deploy.deploy_log(), "deploy post succeeded\ndeploy succeeded"));
    }

    TEST_CASE("SIGINT during a pre migration: the migration finishes, nothing after it runs") {
        Deploy deploy("CREATE TABLE accounts (id int);\nSELECT pg_sleep(1.5);\n");
        auto process = deploy.start({"deploy"});
        REQUIRE(wait_until([&] { return !ecluse_backend_running(deploy.url, "pg_sleep").empty(); },
                           20s));
        process->kill(SIGINT);
        const ProcessResult& result = process->wait(20s);
        CHECK_MESSAGE(result.exit_code == 128 + SIGINT, result.errors);
        CHECK(contains(result.errors, "interrupted by SIGINT during the pre phase"));
        CHECK(deploy.applied() == "aaaa00000001");
        CHECK(deploy.hook_runs() == 0);
        CHECK(contains(deploy.deploy_log(), "deploy pre interrupted\ndeploy interrupted"));
    }

    TEST_CASE("the lock's session terminated during the hook: the hook is stopped, post does "
              "not run (exit 11), and the waiting deploy's hook starts only once it ended") {
        Deploy deploy;
        // The first run waits up to 30 s; every run logs its start and end.
        deploy.set_hook("#!/bin/sh\n"
                        "echo \"start $$\" >> hook-log\n"
                        "trap 'echo \"end $$\" >> hook-log; exit 143' TERM\n"
                        "if [ ! -e first-ran ]; then\n"
                        "  touch first-ran; i=0\n"
                        "  while [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done\n"
                        "fi\n"
                        "echo \"end $$\" >> hook-log\n");
        auto first = deploy.start({"deploy"});
        REQUIRE(wait_until([&] { return fs::exists(deploy.file("hook-log")); }, 20s));
        auto second = deploy.start({"deploy", "--lock-wait", "60s"});
        REQUIRE(wait_until(
            [&] {
                return psql(deploy.url, "SELECT count(*) FROM pg_stat_activity WHERE "
                                        "application_name = 'ecluse' AND datname = "
                                        "current_database()") == "3";
            },
            20s));
        auto terminated = std::chrono::steady_clock::now();
        REQUIRE(psql(deploy.url,
                     "SELECT count(pg_terminate_backend(pid)) FROM pg_locks WHERE "
                     "locktype = 'advisory' AND classid = 1701015925 AND granted") == "1");
        const ProcessResult& a = first->wait(30s);
        CHECK(std::chrono::steady_clock::now() - terminated < 10s);
        CHECK_MESSAGE(a.exit_code == 11, a.errors);
        CHECK(contains(a.errors, "was lost during the deploy phase"));
        CHECK(contains(a.errors, "was stopped, so that no other deploy's hook overlaps it"));
        const ProcessResult& b = second->wait(60s);
        CHECK_MESSAGE(b.exit_code == 0, b.errors);
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002,bbbb00000001");
        CHECK(contains(b.output, "bbbb00000001"));
        CHECK_FALSE(contains(a.output, "bbbb00000001 "));
        // Never two hooks at once: each start follows the previous end.
        std::vector<std::string> lines;
        std::istringstream log(read(deploy.file("hook-log")));
        for (std::string line; std::getline(log, line);) {
            lines.push_back(line.substr(0, line.find(' ')));
        }
        CHECK(lines == std::vector<std::string>{"start", "end", "start", "end"});
    }

    TEST_CASE("a server that ends idle sessions does not end the one holding the lock through a "
              "hook") {
        Deploy deploy;
        psql(deploy.url, "DO $$BEGIN EXECUTE format('ALTER DATABASE %I SET "
                         "idle_session_timeout = ''300ms''', current_database()); END$$");
        deploy.set_hook("#!/bin/sh\nsleep 2\n");
        ProcessResult result = deploy.run({"deploy"});
        CHECK_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002,bbbb00000001");
    }

    TEST_CASE("two deploys at once: one runs, the other waits; nothing is applied twice") {
        Deploy deploy("CREATE TABLE accounts (id int);\nSELECT pg_sleep(1);\n");
        auto first = deploy.start({"deploy"});
        auto second = deploy.start({"deploy"});
        const ProcessResult& a = first->wait();
        const ProcessResult& b = second->wait();
        CHECK_MESSAGE(a.exit_code == 0, a.errors);
        CHECK_MESSAGE(b.exit_code == 0, b.errors);
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002,bbbb00000001");
        CHECK(psql(deploy.url, "SELECT count(*) FROM ecluse.event_log WHERE action = 'upgrade' "
                               "AND outcome = 'applied'") == "3");
        std::string both = a.output + b.output;
        CHECK(std::count(both.begin(), both.end(), '\n') > 0);
        for (const char* revision : {"aaaa00000001", "aaaa00000002", "bbbb00000001"}) {
            auto at = both.find(std::string("applied ") + revision);
            CHECK(at != std::string::npos);
            CHECK(both.find(std::string("applied ") + revision, at + 1) == std::string::npos);
        }
    }

    TEST_CASE("two deploys at once with a short --lock-wait: the second exits 3 and changes "
              "nothing") {
        Deploy deploy("CREATE TABLE accounts (id int);\nSELECT pg_sleep(2);\n");
        auto first = deploy.start({"deploy"});
        REQUIRE(wait_until([&] { return !ecluse_backend_running(deploy.url, "pg_sleep").empty(); },
                           20s));
        ProcessResult second = deploy.run({"--lock-wait", "200ms", "deploy"});
        CHECK(second.exit_code == 3);
        CHECK(contains(second.errors, "another ecluse holds the migration lock"));
        const ProcessResult& a = first->wait();
        CHECK_MESSAGE(a.exit_code == 0, a.errors);
        CHECK(deploy.hook_runs() == 1);
        CHECK(psql(deploy.url, "SELECT count(*) FROM ecluse.event_log WHERE action = 'deploy' AND "
                               "outcome = 'started'") == "1");
    }

    TEST_CASE("--plan lists exactly what the following deploy does, and changes nothing") {
        Project project;
        fs::remove_all(project.root() / "migrations");
        fs::copy(source_root() / "migrations", project.root() / "migrations",
                 fs::copy_options::recursive);
        fs::copy(source_root() / "alembic_version_conflict_detection.txt", project.root(),
                 fs::copy_options::overwrite_existing);
        std::string url = create_database();
        auto on = [&](std::vector<std::string> args) {
            args.insert(args.begin(), {"-d", url});
            return run_ecluse(project.root(), args);
        };
        // Release 1 is deployed; releases 2 and 3 are pending.
        REQUIRE(on({"upgrade", "dbb38f85ea88"}).exit_code == 0);
        REQUIRE(on({"upgrade", "12c2305eba23"}).exit_code == 0);

        ProcessResult plan = on({"--format", "json", "deploy", "--plan", "--hook", "true"});
        REQUIRE_MESSAGE(plan.exit_code == 0, plan.errors);
        auto planned = json_lines(plan.output);
        CHECK(psql(url, "SELECT count(*) FROM ecluse.applied_revision") == "3");
        std::vector<std::string> planned_pre = applied_in(planned, "pre");
        std::vector<std::string> planned_post = applied_in(planned, "post");
        CHECK(planned_pre == std::vector<std::string>{"45b1cb474d4b", "8d355450ac54",
                                                      "9c335497c732", "26231c8784d5",
                                                      "d8cee81c3474"});
        CHECK(planned_post.size() == 4);

        ProcessResult text_plan = on({"deploy", "--plan", "--hook", "true"});
        REQUIRE(text_plan.exit_code == 0);
        CHECK(contains(text_plan.output, "pre: 5 migrations\n  pre 45b1cb474d4b  add bookings "
                                         "amount, relax legacy price\n"));
        CHECK(contains(text_plan.output, "deploy: run true\n"));
        CHECK(contains(text_plan.output, "post: 4 migrations\n  post ad3a8226b687  "));

        ProcessResult real = on({"--format", "json", "deploy", "--hook", "true"});
        REQUIRE_MESSAGE(real.exit_code == 0, real.errors);
        auto events = json_lines(real.output);
        CHECK(applied_in(events, "pre") == planned_pre);
        CHECK(applied_in(events, "post") == planned_post);
    }

    TEST_CASE("--format json: one object per line naming every migration applied, the hook's "
              "lines, and the result") {
        Deploy deploy;
        ProcessResult result = deploy.run({"--format", "json", "deploy"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        auto events = json_lines(result.output);
        REQUIRE(events.size() >= 10);
        CHECK(events.front()["event"] == "deploy_started");
        CHECK(applied_in(events, "pre") ==
              std::vector<std::string>{"aaaa00000001", "aaaa00000002"});
        CHECK(applied_in(events, "post") == std::vector<std::string>{"bbbb00000001"});
        int hook_lines = 0;
        for (const auto& event : events) {
            if (event["event"] == "migration_applied") {
                CHECK(event["duration_ms"].get<double>() >= 0);
            }
            if (event["event"] == "hook_output") {
                ++hook_lines;
                CHECK((event["stream"] == "stdout" || event["stream"] == "stderr"));
            }
        }
        CHECK(hook_lines == 2);
        CHECK(events.back()["event"] == "deploy_finished");
        CHECK(events.back()["exit_code"] == 0);
        CHECK(events.back()["outcome"] == "succeeded");

        // A failure ends with its exit code too, then the error object.
        Deploy failing;
        write(failing.file("hook-exit"), "1\n");
        ProcessResult failed = failing.run({"--format", "json", "deploy"});
        CHECK(failed.exit_code == 11);
        auto failed_events = json_lines(failed.output);
        REQUIRE(failed_events.size() >= 2);
        const nlohmann::json& finished = failed_events[failed_events.size() - 2];
        CHECK(finished["event"] == "deploy_finished");
        CHECK(finished["exit_code"] == 11);
        CHECK(finished["outcome"] == "failed");
        CHECK(failed_events.back()["error"]["code"] == 11);
        CHECK(failed_events.back()["error"]["message"] == finished["message"]);
    }

    TEST_CASE("--format json: a hook printing bytes that are not UTF-8 finishes its rollout, "
              "each line valid JSON") {
        Deploy deploy;
        // \xe9 alone is Latin-1's e-acute, not UTF-8.
        deploy.set_hook("#!/bin/sh\nprintf 'caf\\351 ok\\n'\nprintf '\\351\\n' >&2\n"
                        "echo done > hook-ran\n");
        ProcessResult result = deploy.run({"--format", "json", "deploy"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK_FALSE(contains(result.errors, "internal error"));
        CHECK(fs::exists(deploy.file("hook-ran")));
        auto events = json_lines(result.output);
        std::vector<std::string> hook_lines;
        for (const auto& event : events) {
            if (event["event"] == "hook_output") {
                hook_lines.push_back(event["line"].get<std::string>());
            }
        }
        // Each invalid byte is U+FFFD, the rest of the line as it was; the
        // two streams in either order.
        std::sort(hook_lines.begin(), hook_lines.end());
        CHECK(hook_lines == std::vector<std::string>{"caf\xef\xbf\xbd ok", "\xef\xbf\xbd"});
        CHECK(applied_in(events, "post") == std::vector<std::string>{"bbbb00000001"});
        CHECK(events.back()["event"] == "deploy_finished");
        CHECK(events.back()["exit_code"] == 0);
    }

    TEST_CASE("a rerun in JSON starts with deploy_started, then deploy_resumed; --deploy-id or "
              "$ECLUSE_DEPLOY_ID names the deploy") {
        Deploy deploy;
        write(deploy.file("hook-exit"), "1\n");
        ProcessResult failed = deploy.run({"deploy", "--deploy-id", "release-42"});
        CHECK(failed.exit_code == 11);
        CHECK(read(deploy.file("hook-runs")) == "release-42\n");
        fs::remove(deploy.file("hook-exit"));

        ProcessResult again = deploy.run({"--format", "json", "deploy"});
        REQUIRE_MESSAGE(again.exit_code == 0, again.errors);
        auto events = json_lines(again.output);
        REQUIRE(events.size() > 2);
        CHECK(events[0]["event"] == "deploy_started");
        CHECK(events[0]["deploy_id"] == "release-42");
        CHECK(events[1]["event"] == "deploy_resumed");
        CHECK(events[1]["previous_outcome"] == "failed");
        CHECK(read(deploy.file("hook-runs")) == "release-42\nrelease-42\n");

        ecluse::ProcessOptions options;
        options.working_directory = deploy.project.root();
        options.extra_environment = {{"ECLUSE_DEPLOY_ID", "from-the-pipeline"}};
        ProcessResult from_env =
            ecluse::run_process({std::getenv("ECLUSE_BIN"), "-d", deploy.url, "deploy"}, options);
        CHECK_MESSAGE(from_env.exit_code == 0, from_env.errors);
        CHECK(contains(from_env.output, "deploy from-the-pipeline (pre,deploy,post)\n"));
        CHECK(read(deploy.file("hook-runs")) == "release-42\nrelease-42\nfrom-the-pipeline\n");
    }

} // TEST_SUITE

TEST_SUITE("deploy hook") {

    TEST_CASE("--hook is split into words like a shell would, and run without one") {
        Deploy deploy;
        ProcessResult result =
            deploy.run({"deploy", "--hook", "sh -c 'echo \"$1 and $ECLUSE_PHASE\"' hook 'a  b'"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(contains(result.output, "  [hook] a  b and deploy\n"));
        CHECK(deploy.hook_runs() == 0); // deploy/hook was not used
    }

    TEST_CASE("without --hook or deploy/hook, deploy refuses before changing anything") {
        Deploy deploy;
        fs::remove(deploy.file("deploy/hook"));
        ProcessResult result = deploy.run({"deploy"});
        CHECK(result.exit_code == 2);
        CHECK(contains(result.errors, "ecluse: error: no deploy hook: nothing was deployed\n"));
        CHECK(contains(result.errors, "hint: pass --hook CMD, set `hook` in ecluse.toml's [deploy] "
                                      "table, or create an executable deploy/hook"));
        CHECK(ledger_rows(deploy.url) == 0);
        // --phase pre needs no hook.
        CHECK(deploy.run({"deploy", "--phase", "pre"}).exit_code == 0);
    }

    TEST_CASE("--plan without a hook prints the plan and says that no hook is configured") {
        Deploy deploy;
        fs::remove(deploy.file("deploy/hook"));
        ProcessResult plan = deploy.run({"deploy", "--plan"});
        CHECK_MESSAGE(plan.exit_code == 0, plan.errors);
        CHECK(contains(plan.output, "pre: 2 migrations\n"));
        CHECK(contains(plan.output, "deploy: no hook is configured"));
        CHECK(contains(plan.output, "post: 1 migration\n"));
        ProcessResult json = deploy.run({"--format", "json", "deploy", "--plan"});
        CHECK_MESSAGE(json.exit_code == 0, json.errors);
        bool hook_line = false;
        for (const auto& line : json_lines(json.output)) {
            if (line["event"] == "plan" && line["phase"] == "deploy") {
                hook_line = true;
                CHECK(line["hook"].is_null());
            }
        }
        CHECK(hook_line);
        CHECK(ledger_rows(deploy.url) == 0);
    }

    TEST_CASE("ecluse.toml's [deploy] hook and hook_timeout are used unless the flags are given") {
        Deploy deploy;
        write(deploy.file("ecluse.toml"),
              "[deploy]\nhook = \"sh -c 'echo from the settings $ECLUSE_PHASE' hook\"\n"
              "hook_timeout = \"20min\"\n");
        ProcessResult result = deploy.run({"deploy"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(contains(result.output, "  [hook] from the settings deploy\n"));
        CHECK(deploy.hook_runs() == 0); // deploy/hook was not used

        // A timeout from the file stops the hook; --hook-timeout overrides it.
        write(deploy.file("ecluse.toml"),
              "[deploy]\nhook = \"sleep 30\"\nhook_timeout = \"300ms\"\n");
        ProcessResult stopped = deploy.run({"deploy", "--deploy-id", "second"});
        CHECK(stopped.exit_code == 11);
        CHECK(contains(stopped.errors, "did not finish within the hook timeout (300 ms)"));
        ProcessResult flags = deploy.run(
            {"deploy", "--deploy-id", "third", "--hook", "true", "--hook-timeout", "1min"});
        CHECK_MESSAGE(flags.exit_code == 0, flags.errors);
    }

    TEST_CASE("a malformed [deploy] table is an error at its line, before anything runs") {
        Deploy deploy;
        auto refused = [&](const std::string& toml, const std::string& message) {
            CAPTURE(toml);
            write(deploy.file("ecluse.toml"), toml);
            ProcessResult result = deploy.run({"deploy"});
            CHECK(result.exit_code == 2);
            CHECK(contains(result.errors, message));
            CHECK(ledger_rows(deploy.url) == 0);
        };
        refused("[deploy]\nhook_timout = \"1min\"\n",
                "ecluse.toml:2: unknown [deploy] setting `hook_timout`");
        refused("\n[deploy]\nhook = 3\n", "ecluse.toml:3: [deploy] `hook` must be a string");
        refused("[deploy]\nhook = \"  \"\n", "ecluse.toml:2: [deploy] hook is empty");
        refused("[deploy]\nhook = \"sh -c 'echo\"\n", "ecluse.toml:2: [deploy] hook: ");
        refused("[deploy]\nhook = \"true\"\nhook_timeout = \"soon\"\n",
                "ecluse.toml:3: [deploy] hook_timeout: invalid duration");
    }

    TEST_CASE("a deploy/hook that is not executable is a clear error") {
        Deploy deploy;
        fs::permissions(deploy.file("deploy/hook"), fs::perms::owner_read | fs::perms::owner_write);
        ProcessResult result = deploy.run({"deploy"});
        CHECK(result.exit_code == 2);
        CHECK(contains(result.errors, "ecluse: error: deploy/hook is not executable\n"));
        CHECK(contains(result.errors, "hint: chmod +x deploy/hook, or pass --hook CMD"));
        CHECK(ledger_rows(deploy.url) == 0);
    }

    TEST_CASE("an unterminated quote in --hook is a usage error") {
        Deploy deploy;
        ProcessResult result = deploy.run({"deploy", "--hook", "sh -c 'echo"});
        CHECK(result.exit_code == 2);
        CHECK(contains(result.errors, "has a single quote that is never closed"));
    }

    TEST_CASE("a hook that does not exist or is not executable is refused before pre runs") {
        Deploy deploy;
        write(deploy.file("not-executable.sh"), "#!/bin/sh\n");
        fs::permissions(deploy.file("not-executable.sh"),
                        fs::perms::owner_read | fs::perms::owner_write);
        fs::create_directories(deploy.file("a-directory"));
        const std::vector<std::pair<std::string, std::string>> hooks = {
            {"./no-such-hook", "the hook \"./no-such-hook\" cannot be run: no such file"},
            {"/nonexistent", "the hook \"/nonexistent\" cannot be run: no such file"},
            {"/nonexistent --wait", "the hook \"/nonexistent\" cannot be run: no such file"},
            {"no-such-program-ecluse arg",
             "the hook \"no-such-program-ecluse\" cannot be run: not found in PATH"},
            {"./not-executable.sh",
             "the hook \"./not-executable.sh\" cannot be run: not an executable file"},
            {"./a-directory", "the hook \"./a-directory\" cannot be run: not an executable file"},
        };
        for (const auto& entry : hooks) {
            // Named references: clang 14 cannot capture structured bindings.
            const auto& hook = entry.first;
            const auto& message = entry.second;
            CAPTURE(hook);
            ProcessResult result = deploy.run({"deploy", "--hook", hook});
            CHECK(result.exit_code == 2);
            CHECK_MESSAGE(contains(result.errors, "ecluse: error: --hook: " + message),
                          result.errors);
            CHECK(ledger_rows(deploy.url) == 0);
        }
        write(deploy.file("ecluse.toml"), "[deploy]\nhook = \"/nonexistent/rollout.sh --wait\"\n");
        ProcessResult from_file = deploy.run({"deploy"});
        CHECK(from_file.exit_code == 2);
        CHECK_MESSAGE(contains(from_file.errors,
                               "ecluse.toml:2: [deploy] the hook \"/nonexistent/rollout.sh\" "
                               "cannot be run: no such file"),
                      from_file.errors);
        CHECK(ledger_rows(deploy.url) == 0);
        CHECK(deploy.hook_runs() == 0);
    }

    TEST_CASE("a hook that passes the preflight but cannot start fails the deploy phase with "
              "exit 11") {
        Deploy deploy;
        // Executable, but its interpreter does not exist: only exec finds out.
        deploy.set_hook("#!/nonexistent/sh\n");
        ProcessResult result = deploy.run({"deploy"});
        CHECK_MESSAGE(result.exit_code == 11, result.errors);
        CHECK(deploy.applied() == "aaaa00000001,aaaa00000002");
    }

    TEST_CASE("a hook past --hook-timeout is stopped and fails the deploy phase") {
        Deploy deploy;
        deploy.set_hook("#!/bin/sh\nsleep 30\n");
        auto started = std::chrono::steady_clock::now();
        ProcessResult result = deploy.run({"deploy", "--hook-timeout", "500ms"});
        CHECK(std::chrono::steady_clock::now() - started < 10s);
        CHECK(result.exit_code == 11);
        CHECK(contains(result.errors, "did not finish within the hook timeout (500 ms)"));
        CHECK(ledger_rows(deploy.url, "branch = 'post'") == 0);
    }

    TEST_CASE("--allow-unsafe records its reason in the event log") {
        Deploy deploy;
        ProcessResult result = deploy.run({"deploy", "--allow-unsafe", "the table is empty"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(psql(deploy.url, "SELECT count(*) FROM ecluse.event_log WHERE action = 'deploy' "
                               "AND outcome = 'unsafe allowed' AND detail LIKE "
                               "'%reason: the table is empty%'") == "1");
        CHECK(deploy.run({"deploy", "--allow-unsafe", " "}).exit_code == 2);
    }

    TEST_CASE("lint refuses an unsafe pending revision unless --allow-unsafe gives a reason") {
        // Dropping a column in pre breaks the code that still runs.
        Deploy deploy("CREATE TABLE accounts (id int);\n",
                      "ALTER TABLE accounts DROP COLUMN legacy;\n", "SELECT 1;\n");
        ProcessResult refused = deploy.run({"deploy"});
        CHECK(refused.exit_code == 1);
        CHECK(contains(refused.errors, "pre-drop-column"));
        CHECK(deploy.hook_runs() == 0);
        CHECK(deploy.applied().empty());

        ProcessResult allowed =
            deploy.run({"deploy", "--allow-unsafe", "nothing reads accounts.legacy any more"});
        REQUIRE_MESSAGE(allowed.exit_code == 0, allowed.errors);
        CHECK(deploy.hook_runs() == 1);
        CHECK(psql(deploy.url, "SELECT count(*) FROM ecluse.event_log WHERE action = 'deploy' "
                               "AND outcome = 'unsafe allowed' AND detail LIKE "
                               "'%pre-drop-column%'") == "1");
    }

    TEST_CASE("a COMMIT in a pending post revision stops the deploy before pre runs, even with "
              "--allow-unsafe") {
        Deploy deploy("CREATE TABLE accounts (id int);\n",
                      "ALTER TABLE accounts ADD COLUMN email text;\n",
                      "ALTER TABLE accounts DROP COLUMN legacy;\nCOMMIT;\n");
        ProcessResult result = deploy.run({"deploy", "--allow-unsafe", "testing"});
        CHECK(result.exit_code == 2);
        CHECK_MESSAGE(
            contains(result.errors, deploy.post_path.filename().string() + ":" +
                                        std::to_string(line_of(read(deploy.post_path), "COMMIT;"))),
            result.errors);
        CHECK(deploy.hook_runs() == 0);
        CHECK(ledger_rows(deploy.url) == 0);
    }

    TEST_CASE("a drifted revision stops the deploy in preflight") {
        Deploy deploy;
        REQUIRE(deploy.run({"deploy", "--phase", "pre"}).exit_code == 0);
        fs::path first = revision_files(deploy.project.root(), "pre").front();
        std::string text = read(first);
        text.replace(text.find("(id int)"), 8, "(id bigint)");
        write(first, text);
        ProcessResult result = deploy.run({"deploy"});
        CHECK(result.exit_code == 1);
        CHECK(contains(result.errors, "the database does not match the project: nothing was "
                                      "deployed"));
        CHECK(contains(result.errors, "changed after it was applied (drift)"));
        CHECK(deploy.hook_runs() == 0);
    }

    TEST_CASE("a full deploy on an empty database starts from the newest snapshot; --phase pre "
              "and a database with revisions replay") {
        Deploy deploy;
        const fs::path& root = deploy.project.root();
        ProcessResult snapshot = run_ecluse(root, {"snapshot"});
        REQUIRE_MESSAGE(snapshot.exit_code == 0, snapshot.errors);
        std::string name;
        for (const auto& entry : fs::directory_iterator(root / "migrations" / "snapshot")) {
            name = entry.path().filename().string();
        }
        REQUIRE_FALSE(name.empty());
        deploy.project.add({"aaaa00000003", "pre", "create orders",
                            "CREATE TABLE orders (id int);\n", "DROP TABLE orders;\n"});
        deploy.project.add({"bbbb00000002", "post", "drop accounts email",
                            "ALTER TABLE accounts DROP COLUMN email;\n",
                            "ALTER TABLE accounts ADD COLUMN email text;\n"});

        ProcessResult result = deploy.run({"--format", "json", "deploy"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        auto events = json_lines(result.output);
        int snapshots = 0;
        for (const auto& event : events) {
            if (event["event"] == "snapshot_applied") {
                ++snapshots;
                CHECK(event["phase"] == "pre");
                CHECK(event["snapshot"] == name);
                CHECK(event["replaces"] == 3);
            }
        }
        CHECK(snapshots == 1);
        CHECK(applied_in(events, "pre") == std::vector<std::string>{"aaaa00000003"});
        CHECK(applied_in(events, "post") == std::vector<std::string>{"bbbb00000002"});
        CHECK(deploy.hook_runs() == 1);
        CHECK(deploy.applied() ==
              "aaaa00000001,aaaa00000002,aaaa00000003,bbbb00000001,bbbb00000002");
        CHECK(ledger_rows(deploy.url, "snapshot = '" + name + "'") == 3);
        CHECK(relation_exists(deploy.url, "orders"));
        CHECK(contains(deploy.deploy_log(), "deploy pre snapshot\n"));

        // Deploying again changes nothing and takes no snapshot.
        ProcessResult again = deploy.run({"deploy"});
        REQUIRE_MESSAGE(again.exit_code == 0, again.errors);
        CHECK_FALSE(contains(again.output, "snapshot"));

        // A pre phase alone must not apply the snapshot's post revisions: it replays.
        std::string other = create_database();
        ProcessResult pre =
            run_ecluse(root, {"-d", other, "--format", "json", "deploy", "--phase", "pre"});
        REQUIRE_MESSAGE(pre.exit_code == 0, pre.errors);
        CHECK_FALSE(contains(pre.output, "snapshot_applied"));
        CHECK(applied_in(json_lines(pre.output), "pre") ==
              std::vector<std::string>{"aaaa00000001", "aaaa00000002", "aaaa00000003"});
        CHECK(ledger_rows(other, "snapshot IS NOT NULL") == 0);

        // A database that already has a replaced revision replays the rest.
        std::string started = create_database();
        REQUIRE(run_ecluse(root, {"-d", started, "upgrade", "aaaa00000001"}).exit_code == 0);
        ProcessResult rest = run_ecluse(root, {"-d", started, "deploy"});
        REQUIRE_MESSAGE(rest.exit_code == 0, rest.errors);
        CHECK_FALSE(contains(rest.output, "snapshot"));
        CHECK(ledger_rows(started) == 5);
        CHECK(ledger_rows(started, "snapshot IS NOT NULL") == 0);
    }

} // TEST_SUITE
