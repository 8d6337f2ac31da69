// Fresh environments against the scratch server: snapshots, pull-request
// environments, data dumps and seeders.

#include "tests/e2e/fresh_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

using namespace ecluse;
using namespace ecluse::test;
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> snapshot_files(const fs::path& root) {
    std::vector<fs::path> out;
    if (fs::is_directory(root / "migrations" / "snapshot")) {
        for (const auto& entry : fs::directory_iterator(root / "migrations" / "snapshot")) {
            out.push_back(entry.path());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

// Row count and checksum of every table of the public schema.
std::string table_checksums(const std::string& url) {
    std::string out;
    std::string tables = psql(url, "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM "
                                   "pg_tables WHERE schemaname = 'public'");
    std::size_t start = 0;
    while (start < tables.size()) {
        std::size_t end = std::min(tables.find(' ', start), tables.size());
        std::string table = tables.substr(start, end - start);
        start = end + 1;
        out += table + ":" +
               psql(url, "SELECT count(*) || '/' || coalesce(md5(string_agg(t::text, ',' ORDER BY "
                         "t::text)), '') FROM public." +
                             table + " t") +
               " ";
    }
    return out;
}

std::string database_exists(const std::string& name) {
    return psql(scratch_server().url(),
                "SELECT count(*) FROM pg_database WHERE datname = '" + name + "'") +
           "/" +
           psql(scratch_server().url(),
                "SELECT count(*) FROM pg_roles WHERE rolname = '" + name + "'");
}

} // namespace

TEST_SUITE("snapshot") {

    TEST_CASE("500 revisions: a fresh database through the snapshot has the schema and status of "
              "one that replayed them") {
        Project project;
        const fs::path& root = project.root();
        write_history(project, 500);
        std::string replayed = create_database();
        ProcessResult replay = run_on(root, replayed, {"upgrade", "heads"});
        REQUIRE_MESSAGE(replay.exit_code == 0, replay.errors);
        CHECK_FALSE(contains(replay.output, "snapshot"));

        ProcessResult snapshot = run_ecluse(root, {"snapshot"});
        REQUIRE_MESSAGE(snapshot.exit_code == 0, snapshot.errors);
        auto files = snapshot_files(root);
        REQUIRE(files.size() == 1);
        std::string name = files[0].filename().string();
        CHECK(contains(snapshot.output, "migrations/snapshot/" + name));
        CHECK(name.substr(15) == "_" + generated_id(498) + "_" + generated_id(499) + ".sql");
        std::string text = read(files[0]);
        CHECK(text.rfind("-- ecluse:snapshot\n-- pre: " + generated_id(498) +
                             "\n-- post: " + generated_id(499) + "\n",
                         0) == 0);
        CHECK(std::count(text.begin(), text.end(), '\n') > 500);
        CHECK_FALSE(contains(text, "OWNER TO"));
        CHECK_FALSE(contains(text, "GRANT "));
        CHECK_FALSE(contains(text, "applied_revision"));
        CHECK(contains(text, "ref 2b"));
        CHECK(run_ecluse(root, {"check"}).exit_code == 0);

        std::string fresh = create_database();
        ProcessResult upgrade = run_on(root, fresh, {"upgrade", "heads"});
        REQUIRE_MESSAGE(upgrade.exit_code == 0, upgrade.errors);
        CHECK(contains(upgrade.output, "applied snapshot " + name + "  (replaces 500 revisions"));
        CHECK(contains(upgrade.output, "500 revisions; pre at " + generated_id(498) + " (head)"));

        CHECK(schema_dump(fresh) == schema_dump(replayed));
        CHECK(states(root, fresh) == states(root, replayed));
        CHECK(table_checksums(fresh) == table_checksums(replayed));
        CHECK(ledger_rows(fresh, "snapshot = '" + name + "'") == 500);
        CHECK(ledger_rows(fresh) == 500);

        // env create copies a template database built from the snapshot: the same again.
        ProcessResult env =
            run_ecluse(root, {"env", "create", "pr_500", "--admin-url", scratch_server().url()});
        REQUIRE_MESSAGE(env.exit_code == 0, env.errors);
        auto env_document = nlohmann::json::parse(env.output);
        CHECK(env_document["template"].is_string());
        CHECK(env_document["revisions_applied"] == 0);
        std::string env_url = env_document["url"].get<std::string>();
        CHECK(schema_dump(env_url) == schema_dump(replayed));
        CHECK(states(root, env_url) == states(root, replayed));
        CHECK(table_checksums(env_url) == table_checksums(replayed));
        CHECK(ledger_rows(env_url, "snapshot = '" + name + "' AND applied_by = 'pr_500'") == 500);
        CHECK(run_ecluse(root, {"env", "drop", "pr_500", "-d", scratch_server().url()}).exit_code ==
              0);

        SUBCASE("a revision added after the snapshot runs after it; a database that has the "
                "replaced revisions ignores the snapshot") {
            project.add({"bbbb00000001", "pre", "add bookings", "CREATE TABLE bookings (id int);\n",
                         "DROP TABLE bookings;\n"});
            std::string newer = create_database();
            ProcessResult after = run_on(root, newer, {"upgrade", "heads"});
            REQUIRE_MESSAGE(after.exit_code == 0, after.errors);
            CHECK(contains(after.output, "applied snapshot " + name));
            CHECK(contains(after.output, "applied pre  bbbb00000001  add bookings"));
            CHECK(ledger_rows(newer, "revision = 'bbbb00000001' AND snapshot IS NULL") == 1);

            ProcessResult old = run_on(root, replayed, {"upgrade", "heads"});
            REQUIRE_MESSAGE(old.exit_code == 0, old.errors);
            CHECK_FALSE(contains(old.output, "snapshot"));
            CHECK(contains(old.output, "1 revision;"));
            CHECK(schema_dump(newer) == schema_dump(replayed));
        }

        SUBCASE("check --verify-snapshots passes, and fails once a replaced revision changed") {
            ProcessResult verified = run_ecluse(root, {"check", "--verify-snapshots"});
            CHECK_MESSAGE(verified.exit_code == 0, verified.errors);
            fs::path first = revision_files(root, "pre").front();
            std::string content = read(first);
            auto at = content.find("note_1 text");
            REQUIRE(at != std::string::npos);
            write(first, content.replace(at, 11, "note_1 text, extra integer"));
            ProcessResult stale = run_ecluse(root, {"check", "--verify-snapshots"});
            CHECK(stale.exit_code == 1);
            CHECK(contains(stale.errors, "snapshot " + name +
                                             " does not give the schema that replaying its "
                                             "revisions gives"));
            CHECK(contains(stale.errors, "changed after snapshot " + name));
            // A stale snapshot is neither used nor replayed around in silence.
            std::string replaying = create_database();
            ProcessResult up = run_on(root, replaying, {"upgrade", "heads"});
            CHECK(up.exit_code == 1);
            CHECK(contains(up.errors, "changed after the snapshot was taken"));
            CHECK_FALSE(relation_exists(replaying, "item_0"));
        }
    }

    TEST_CASE("revision files deleted after a snapshot: fresh databases start from it, too old "
              "ones are told which snapshot they need") {
        Project project;
        const fs::path& root = project.root();
        fs::path first = project.add(
            {"cccc00000001", "pre", "create a", "CREATE TABLE a (id int);\n", "DROP TABLE a;\n"});
        fs::path second = project.add(
            {"cccc00000002", "pre", "create b", "CREATE TABLE b (id int);\n", "DROP TABLE b;\n"});
        std::string old = create_database();
        REQUIRE(run_on(root, old, {"upgrade", "cccc00000001"}).exit_code == 0);
        std::string at_snapshot = create_database();
        REQUIRE(run_on(root, at_snapshot, {"upgrade", "heads"}).exit_code == 0);
        ProcessResult snapshot = run_ecluse(root, {"snapshot"});
        REQUIRE_MESSAGE(snapshot.exit_code == 0, snapshot.errors);
        std::string name = snapshot_files(root).at(0).filename().string();
        project.add(
            {"cccc00000003", "pre", "create c", "CREATE TABLE c (id int);\n", "DROP TABLE c;\n"});
        fs::remove(first);
        fs::remove(second);

        ProcessResult check = run_ecluse(root, {"check"});
        CHECK_MESSAGE(check.exit_code == 0, check.errors);

        std::string fresh = create_database();
        ProcessResult up = run_on(root, fresh, {"upgrade", "heads"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(contains(up.output, "applied snapshot " + name));
        CHECK(relation_exists(fresh, "c"));
        CHECK(relation_exists(fresh, "a"));
        auto fresh_states = states(root, fresh);
        CHECK(fresh_states == std::map<std::string, std::string>{{"cccc00000003", "applied"}});

        ProcessResult next = run_on(root, at_snapshot, {"upgrade", "heads"});
        CHECK_MESSAGE(next.exit_code == 0, next.errors);
        CHECK(relation_exists(at_snapshot, "c"));

        ProcessResult too_old = run_on(root, old, {"upgrade", "heads"});
        CHECK(too_old.exit_code == 1);
        CHECK(contains(too_old.errors, "the database's pre position is cccc00000001, older than "
                                       "the revision files that remain"));
        CHECK(contains(too_old.errors, "snapshot " + name));
        CHECK_FALSE(relation_exists(old, "c"));
    }

    TEST_CASE("every old revision file deleted after a snapshot (DomiFa's cleanup): new "
              "revisions chain onto it, existing and empty databases both go on") {
        Project project;
        const fs::path& root = project.root();
        std::vector<fs::path> old_files = {
            project.add({"eeee00000001", "pre", "create a", "CREATE TABLE a (id int, gone int);\n",
                         "DROP TABLE a;\n"}),
            project.add({"eeee00000002", "pre", "create b", "CREATE TABLE b (id int);\n",
                         "DROP TABLE b;\n"}),
            project.add({"eeee00000003", "post", "drop gone", "ALTER TABLE a DROP COLUMN gone;\n",
                         "ALTER TABLE a ADD COLUMN gone int;\n"})};
        std::string production = create_database();
        REQUIRE(run_on(root, production, {"upgrade", "heads"}).exit_code == 0);
        ProcessResult snapshot = run_ecluse(root, {"snapshot"});
        REQUIRE_MESSAGE(snapshot.exit_code == 0, snapshot.errors);
        std::string conflict_file = read(root / "alembic_version_conflict_detection.txt");
        for (const fs::path& file : old_files) {
            fs::remove(file);
        }

        ProcessResult check = run_ecluse(root, {"check"});
        CHECK_MESSAGE(check.exit_code == 0, check.errors);
        ProcessResult heads = run_ecluse(root, {"heads"});
        CHECK(heads.output == conflict_file);

        // New revisions stand on the snapshot's heads; the conflict file
        // keeps a line for each branch.
        ProcessResult pre = run_ecluse(
            root, {"revision", "-m", "create c", "--head", "pre@head", "--rev-id", "eeee00000004"});
        REQUIRE_MESSAGE(pre.exit_code == 0, pre.errors);
        ProcessResult post = run_ecluse(
            root, {"revision", "-m", "drop b", "--head", "post@head", "--rev-id", "eeee00000005"});
        REQUIRE_MESSAGE(post.exit_code == 0, post.errors);
        std::string recorded = read(root / "alembic_version_conflict_detection.txt");
        CHECK(contains(recorded, "eeee00000004"));
        CHECK(contains(recorded, "eeee00000005"));
        for (const auto& entry : fs::recursive_directory_iterator(root / "migrations")) {
            std::string text = entry.is_regular_file() ? read(entry.path()) : "";
            if (contains(text, "-- revision: eeee00000004")) {
                CHECK(contains(text, "-- down_revision: eeee00000002"));
                auto at = text.find("-- ecluse:upgrade\n");
                REQUIRE(at != std::string::npos);
                write(entry.path(), text.insert(at + 18, "CREATE TABLE c (id int);\n"));
            }
            if (contains(text, "-- revision: eeee00000005")) {
                CHECK(contains(text, "-- down_revision: eeee00000003"));
            }
        }
        check = run_ecluse(root, {"check"});
        CHECK_MESSAGE(check.exit_code == 0, check.errors);

        // The database at the snapshot's heads upgrades.
        ProcessResult up = run_on(root, production, {"upgrade", "heads"});
        CHECK_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(relation_exists(production, "c"));

        // An empty database goes through the snapshot for pre alone too,
        // by upgrade and by deploy.
        std::string fresh = create_database();
        up = run_on(root, fresh, {"upgrade", "pre@head"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(contains(up.output, "applied snapshot"));
        CHECK(relation_exists(fresh, "b"));
        CHECK(relation_exists(fresh, "c"));
        CHECK(states(root, fresh) == std::map<std::string, std::string>{
                                         {"eeee00000004", "applied"}, {"eeee00000005", "pending"}});

        std::string deployed = create_database();
        ProcessResult deploy = run_on(root, deployed, {"deploy", "--phase", "pre"});
        REQUIRE_MESSAGE(deploy.exit_code == 0, (deploy.errors + deploy.output));
        CHECK(relation_exists(deployed, "c"));
        CHECK(states(root, deployed) ==
              std::map<std::string, std::string>{{"eeee00000004", "applied"},
                                                 {"eeee00000005", "pending"}});

        // A later snapshot replays through the first one.
        ProcessResult again = run_ecluse(root, {"snapshot"});
        REQUIRE_MESSAGE(again.exit_code == 0, again.errors);
        std::string newest = snapshot_files(root).back().filename().string();
        std::string later = create_database();
        up = run_on(root, later, {"upgrade", "heads"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(contains(up.output, "applied snapshot " + newest));
        CHECK(relation_exists(later, "c"));
        CHECK(states(root, later) == std::map<std::string, std::string>{
                                         {"eeee00000004", "applied"}, {"eeee00000005", "applied"}});
    }

    TEST_CASE("a replaced revision edited after its snapshot: an empty database refuses, check "
              "--verify-snapshots names it") {
        Project project;
        const fs::path& root = project.root();
        fs::path first = project.add(
            {"ffff00000001", "pre", "create a", "CREATE TABLE a (id int);\n", "DROP TABLE a;\n"});
        REQUIRE(run_ecluse(root, {"snapshot"}).exit_code == 0);
        std::string text = read(first);
        write(first,
              text.replace(text.find("CREATE TABLE a (id int)"), 23, "CREATE TABLE a (id bigint)"));

        std::string fresh = create_database();
        ProcessResult up = run_on(root, fresh, {"upgrade", "heads"});
        CHECK(up.exit_code == 1);
        CHECK(contains(up.errors, "replaces ffff00000001"));
        CHECK(contains(up.errors, "changed after the snapshot was taken"));
        CHECK_FALSE(relation_exists(fresh, "a"));

        ProcessResult verify = run_ecluse(root, {"check", "--verify-snapshots"});
        CHECK(verify.exit_code != 0);
        CHECK(contains(verify.output + verify.errors,
                       "revision ffff00000001 changed after snapshot"));
    }

    TEST_CASE("a snapshot at the current heads is not taken twice") {
        Project project;
        write_shop(project);
        REQUIRE(run_ecluse(project.root(), {"snapshot"}).exit_code == 0);
        ProcessResult again = run_ecluse(project.root(), {"snapshot"});
        CHECK(again.exit_code == 1);
        CHECK(contains(again.errors, "already stands at both heads"));
    }
}

TEST_SUITE("env") {

    TEST_CASE("create gives a database owned by its own role at both heads; drop leaves nothing") {
        Project project;
        write_shop(project);
        REQUIRE(run_ecluse(project.root(), {"snapshot"}).exit_code == 0);
        std::string admin = scratch_server().url();
        ProcessResult created =
            run_ecluse(project.root(), {"env", "create", "pr_12", "--admin-url", admin});
        REQUIRE_MESSAGE(created.exit_code == 0, created.errors);
        auto document = nlohmann::json::parse(created.output);
        std::string url = document["url"].get<std::string>();
        CHECK(document["name"] == "pr_12");
        CHECK(document["snapshot"].is_string());
        CHECK(database_exists("pr_12") == "1/1");
        CHECK(psql(url, "SELECT current_user || ' ' || current_database()") == "pr_12 pr_12");
        CHECK(psql(url, "SELECT tableowner FROM pg_tables WHERE tablename = 'bookings'") ==
              "pr_12");
        CHECK(ledger_rows(url) == 2);
        CHECK(run_ecluse(project.root(), {"env", "list", "--admin-url", admin}).output ==
              "pr_12\n");

        ProcessResult twice =
            run_ecluse(project.root(), {"env", "create", "pr_12", "--admin-url", admin});
        CHECK(twice.exit_code == 1);
        CHECK(contains(twice.errors, "environment pr_12 already exists (database and role pr_12)"));
        CHECK(contains(twice.errors, "--recreate"));
        CHECK(psql(url, "SELECT 1") == "1"); // untouched: the old password still works

        psql(url, "INSERT INTO users (name) VALUES ('ada')");
        ProcessResult recreated = run_ecluse(
            project.root(), {"env", "create", "pr_12", "--admin-url", admin, "--recreate"});
        REQUIRE_MESSAGE(recreated.exit_code == 0, recreated.errors);
        std::string new_url = nlohmann::json::parse(recreated.output)["url"].get<std::string>();
        CHECK(new_url != url);
        CHECK(psql(new_url, "SELECT count(*) FROM users") == "0");

        ProcessResult dropped = run_ecluse(project.root(), {"env", "drop", "pr_12", "-d", admin});
        CHECK_MESSAGE(dropped.exit_code == 0, dropped.errors);
        CHECK(database_exists("pr_12") == "0/0");
        ProcessResult gone = run_ecluse(project.root(), {"env", "drop", "pr_12", "-d", admin});
        CHECK(gone.exit_code == 1);
        CHECK(contains(gone.errors, "there is no environment pr_12"));
    }

    TEST_CASE("env create keeps the admin connection's form: a service, several hosts") {
        Project project;
        write_shop(project);
        std::string socket = scratch_server().socket_directory().string();
        std::string port = std::to_string(scratch_server().port());
        fs::path service_file = project.root() / "pg_service.conf";
        write(service_file, "[ecluse_admin]\nhost=" + socket + "\nport=" + port +
                                "\nuser=postgres\ndbname=postgres\n");
        // Whoever uses the environment has the same service file.
        std::map<std::string, std::string> environment = {{"PGSERVICEFILE", service_file.string()},
                                                          {"PGHOST", "/nonexistent-ecluse"}};
        auto run_with_environment = [&](const std::vector<std::string>& argv) {
            ecluse::ProcessOptions options;
            options.working_directory = project.root();
            options.extra_environment = environment;
            return ecluse::run_process(argv, options);
        };
        const std::vector<std::pair<std::string, std::string>> admins = {
            {"pr_service", "service=ecluse_admin"},
            {"pr_hosts", "postgresql://postgres@/postgres?host=/nonexistent-ecluse," + socket +
                             "&port=" + port},
        };
        for (const auto& entry : admins) {
            // Named references: clang 14 cannot capture structured bindings.
            const auto& name = entry.first;
            const auto& admin = entry.second;
            CAPTURE(admin);
            ProcessResult created = run_with_environment(
                {std::getenv("ECLUSE_BIN"), "env", "create", name, "--admin-url", admin});
            REQUIRE_MESSAGE(created.exit_code == 0, created.errors);
            std::string url = nlohmann::json::parse(created.output)["url"].get<std::string>();
            ProcessResult used =
                run_with_environment({"/usr/bin/psql", "-X", "-At", "-d", url, "-c",
                                      "SELECT current_user || ' ' || current_database()"});
            CHECK_MESSAGE(used.exit_code == 0, url, ": ", used.errors);
            CHECK(used.output == name + " " + name + "\n");
            ProcessResult dropped =
                run_with_environment({std::getenv("ECLUSE_BIN"), "env", "drop", name, "-d", admin});
            CHECK_MESSAGE(dropped.exit_code == 0, dropped.errors);
        }
    }

    TEST_CASE("drop ends open connections; a database ecluse did not make is left alone") {
        Project project;
        write_shop(project);
        std::string admin = scratch_server().url();
        ProcessResult created =
            run_ecluse(project.root(), {"env", "create", "pr_13", "--admin-url", admin});
        REQUIRE_MESSAGE(created.exit_code == 0, created.errors);
        std::string url = nlohmann::json::parse(created.output)["url"].get<std::string>();
        Spawned sleeper({"/usr/bin/psql", "-X", "-d", url, "-c", "SELECT pg_sleep(30)"},
                        project.root());
        REQUIRE(wait_until([&] {
            return psql(admin, "SELECT count(*) FROM pg_stat_activity WHERE datname = 'pr_13' "
                               "AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()") == "1";
        }));
        ProcessResult dropped = run_ecluse(project.root(), {"env", "drop", "pr_13", "-d", admin});
        CHECK_MESSAGE(dropped.exit_code == 0, dropped.errors);
        CHECK(database_exists("pr_13") == "0/0");

        psql(admin, "CREATE DATABASE not_ours");
        ProcessResult refused =
            run_ecluse(project.root(), {"env", "drop", "not_ours", "-d", admin});
        CHECK(refused.exit_code == 1);
        CHECK(contains(refused.errors, "was not made by `ecluse env create`"));
        CHECK(database_exists("not_ours") == "1/0");
    }

    TEST_CASE("names are checked; the secret file holds the password, stdout does not") {
        Project project;
        write_shop(project);
        std::string admin = scratch_server().url();
        ProcessResult bad =
            run_ecluse(project.root(), {"env", "create", "pr-1\"; DROP", "-d", admin});
        CHECK(bad.exit_code == 2);
        CHECK(contains(bad.errors, "is not a plain identifier"));

        TempDir secrets;
        fs::path secret = secrets.path() / "pr_14.url";
        // -v prints every statement sent, CREATE ROLE ... PASSWORD among them.
        ProcessResult created =
            run_ecluse(project.root(), {"-v", "env", "create", "pr_14", "-d", admin,
                                        "--secret-file", secret.string()});
        REQUIRE_MESSAGE(created.exit_code == 0, created.errors);
        std::string url = read(secret);
        url.pop_back();
        std::string password = url.substr(url.find(':', 13) + 1, 64);
        CHECK(password.size() == 64);
        CHECK_FALSE(contains(created.output, password));
        CHECK_FALSE(contains(created.errors, password));
        CHECK(contains(created.errors, "LOGIN PASSWORD '***'"));
        struct stat info {};
        REQUIRE(::stat(secret.c_str(), &info) == 0);
        CHECK((info.st_mode & 0777) == 0600);
        CHECK(psql(url, "SELECT count(*) FROM users") == "0");
        CHECK(run_ecluse(project.root(), {"env", "drop", "pr_14", "-d", admin}).exit_code == 0);
    }

    TEST_CASE("--data FILE loads FILE into the new environment; it is not --database-url") {
        Project project;
        write_shop(project);
        std::string admin = scratch_server().url();
        TempDir data;
        fs::path file = data.path() / "users.sql";
        write(file, "INSERT INTO users (name) VALUES ('from the data file');\n");
        ProcessResult created = run_ecluse(
            project.root(), {"env", "create", "pr_15", "-d", admin, "--data", file.string()});
        REQUIRE_MESSAGE(created.exit_code == 0, created.errors);
        std::string url = nlohmann::json::parse(created.output)["url"].get<std::string>();
        CHECK(psql(url, "SELECT name FROM users") == "from the data file");
        CHECK(run_ecluse(project.root(), {"env", "drop", "pr_15", "-d", admin}).exit_code == 0);
    }
}

TEST_SUITE("data") {

    TEST_CASE("load --truncate of a pg_dump --data-only dump gives the same rows; a bad row "
              "leaves the database as it was") {
        Project project;
        const fs::path& root = project.root();
        write_shop(project);
        std::string url = create_database();
        REQUIRE(run_on(root, url, {"upgrade", "heads"}).exit_code == 0);
        psql(url, "INSERT INTO users (name) SELECT 'user ' || i FROM generate_series(1, 200) i");
        psql(url, "INSERT INTO bookings (fk_user, amount) SELECT 1 + i % 200, i / 7.0 FROM "
                  "generate_series(1, 1000) i");
        std::string populated = table_checksums(url);
        CHECK(contains(populated, "bookings:1000/"));

        fs::path dump = root / "data.sql";
        ProcessResult pg_dump =
            run_process({(find_server_bindir() / "pg_dump").string(), "--dbname", url,
                         "--data-only", "--exclude-schema=ecluse", "-f", dump.string()});
        REQUIRE_MESSAGE(pg_dump.exit_code == 0, pg_dump.errors);
        CHECK(contains(read(dump), "COPY public.bookings"));

        psql(url, "DELETE FROM bookings WHERE booking_id % 3 = 0");
        psql(url, "INSERT INTO users (name) VALUES ('intruder')");
        int applied_before = ledger_rows(url);
        ProcessResult load = run_on(root, url, {"data", "load", dump.string(), "--truncate"});
        REQUIRE_MESSAGE(load.exit_code == 0, load.errors);
        CHECK(contains(load.output, "after emptying 2 tables"));
        CHECK(table_checksums(url) == populated);
        CHECK(ledger_rows(url) == applied_before); // ecluse's own tables untouched
        CHECK(psql(url, "SELECT nextval('users_user_id_seq')") == "201");

        // A bad row: the whole load is rolled back, truncate included.
        psql(url, "DELETE FROM bookings WHERE booking_id > 990");
        std::string before = table_checksums(url);
        std::string bad = read(dump);
        auto at = bad.find("\n\\.\n", bad.find("COPY public.bookings"));
        REQUIRE(at != std::string::npos);
        bad.insert(at, "\n5000\t1\tnot-a-number");
        fs::path bad_dump = root / "bad.sql";
        write(bad_dump, bad);
        ProcessResult failed = run_on(root, url, {"data", "load", bad_dump.string(), "--truncate"});
        CHECK(failed.exit_code == 1);
        CHECK(contains(failed.errors, "22P02"));
        CHECK(contains(failed.errors, "COPY bookings"));
        CHECK(contains(failed.errors, "rolled back"));
        CHECK(table_checksums(url) == before);
    }

    TEST_CASE("data dump leaves ecluse's tables out; INSERT scripts load too") {
        Project project;
        const fs::path& root = project.root();
        write_shop(project);
        std::string url = create_database();
        REQUIRE(run_on(root, url, {"upgrade", "heads"}).exit_code == 0);
        psql(url, "INSERT INTO users (name) VALUES ('ada'), ('bob')");
        fs::path dump = root / "dump.sql";
        ProcessResult dumped = run_on(root, url, {"data", "dump", dump.string()});
        REQUIRE_MESSAGE(dumped.exit_code == 0, dumped.errors);
        CHECK(contains(read(dump), "COPY public.users"));
        CHECK_FALSE(contains(read(dump), "applied_revision"));
        CHECK_FALSE(contains(read(dump), "event_log"));

        fs::path inserts = root / "inserts.sql";
        write(inserts, "INSERT INTO users (name) VALUES ('carl');\n"
                       "INSERT INTO bookings (fk_user, amount) VALUES (1, 10);\n");
        ProcessResult load = run_on(root, url, {"data", "load", inserts.string(), "--truncate"});
        REQUIRE_MESSAGE(load.exit_code == 0, load.errors);
        CHECK(psql(url, "SELECT string_agg(name || user_id, ',') FROM users") == "carl1");
        CHECK(psql(url, "SELECT count(*) FROM bookings") == "1");
    }
}

TEST_SUITE("seed") {

    TEST_CASE("seeders run once, undo, and report their status; upgrade never runs them") {
        Project project;
        const fs::path& root = project.root();
        write_shop(project);
        write(root / "seeds" / "demo_users.sql",
              "-- demo users\n-- ecluse:upgrade\nINSERT INTO users (name) VALUES ('ada'), "
              "('bob');\n\n-- ecluse:downgrade\nDELETE FROM users WHERE name IN ('ada', 'bob');\n");
        write(root / "seeds" / "demo_bookings.sql",
              "-- ecluse:upgrade\nINSERT INTO bookings (fk_user, amount) SELECT user_id, 5 FROM "
              "users;\n-- ecluse:downgrade\nDELETE FROM bookings;\n");
        std::string url = create_database();
        REQUIRE(run_on(root, url, {"upgrade", "heads"}).exit_code == 0);
        CHECK(psql(url, "SELECT count(*) FROM users") == "0");

        ProcessResult status = run_on(root, url, {"seed", "status"});
        CHECK(status.output == "demo_bookings: pending\ndemo_users: pending\n");

        ProcessResult run = run_on(root, url, {"seed", "run", "demo_users"});
        REQUIRE_MESSAGE(run.exit_code == 0, run.errors);
        CHECK(run.output == "demo_users: applied\n");
        ProcessResult all = run_on(root, url, {"seed", "run"});
        REQUIRE_MESSAGE(all.exit_code == 0, all.errors);
        CHECK(all.output == "demo_bookings: applied\ndemo_users: already applied\n");
        ProcessResult again = run_on(root, url, {"seed", "run"});
        CHECK(again.output == "demo_bookings: already applied\ndemo_users: already applied\n");
        CHECK(psql(url, "SELECT count(*) FROM users") == "2");
        CHECK(psql(url, "SELECT count(*) FROM bookings") == "2");
        CHECK(run_on(root, url, {"seed", "status"}).output ==
              "demo_bookings: applied\ndemo_users: applied\n");

        ProcessResult undo = run_on(root, url, {"seed", "undo", "demo_bookings"});
        REQUIRE_MESSAGE(undo.exit_code == 0, undo.errors);
        CHECK(psql(url, "SELECT count(*) FROM bookings") == "0");
        CHECK(run_on(root, url, {"seed", "status"}).output ==
              "demo_bookings: pending\ndemo_users: applied\n");
        ProcessResult undo_twice = run_on(root, url, {"seed", "undo", "demo_bookings"});
        CHECK(undo_twice.exit_code == 1);
        CHECK(contains(undo_twice.errors, "seed demo_bookings is not applied"));

        ProcessResult unknown = run_on(root, url, {"seed", "run", "nope"});
        CHECK(unknown.exit_code == 2);
        CHECK(contains(unknown.errors, "the seeds are: demo_bookings, demo_users"));

        // A failing seed is rolled back whole.
        write(root / "seeds" / "broken.sql",
              "-- ecluse:upgrade\nINSERT INTO users (name) VALUES ('carl');\nINSERT INTO users "
              "(name) VALUES ('ada');\n-- ecluse:downgrade\nDELETE FROM users WHERE name = "
              "'carl';\n");
        ProcessResult broken = run_on(root, url, {"seed", "run", "broken"});
        CHECK(broken.exit_code == 1);
        CHECK(contains(broken.errors, "seed broken failed at seeds/broken.sql:3:1: 23505"));
        CHECK(psql(url, "SELECT count(*) FROM users") == "2");

        // Upgrade never runs seeds.
        std::string other = create_database();
        REQUIRE(run_on(root, other, {"upgrade", "heads"}).exit_code == 0);
        CHECK(psql(other, "SELECT count(*) FROM users") == "0");
    }

    TEST_CASE("seed run takes the file name with its .sql suffix; seed undo of a seed whose file "
              "is gone runs its stored downgrade") {
        Project project;
        const fs::path& root = project.root();
        write_shop(project);
        write(root / "seeds" / "000001-users.sql",
              "-- ecluse:upgrade\nINSERT INTO users (name) VALUES ('ada'), ('bob');\n"
              "-- ecluse:downgrade\nDELETE FROM users WHERE name IN ('ada', 'bob');\n");
        std::string url = create_database();
        REQUIRE(run_on(root, url, {"upgrade", "heads"}).exit_code == 0);
        ProcessResult run = run_on(root, url, {"seed", "run", "000001-users.sql"});
        REQUIRE_MESSAGE(run.exit_code == 0, run.errors);
        CHECK(run.output == "000001-users: applied\n");
        CHECK(psql(url, "SELECT count(*) FROM users") == "2");

        fs::remove(root / "seeds" / "000001-users.sql");
        CHECK(run_on(root, url, {"seed", "status"}).output == "000001-users: missing\n");
        ProcessResult undo = run_on(root, url, {"seed", "undo", "000001-users"});
        REQUIRE_MESSAGE(undo.exit_code == 0, undo.errors);
        CHECK(undo.output == "000001-users: undone\n");
        CHECK(psql(url, "SELECT count(*) FROM users") == "0");
        CHECK(run_on(root, url, {"seed", "status"}).output == "");
        ProcessResult unknown = run_on(root, url, {"seed", "undo", "000001-users"});
        CHECK(unknown.exit_code == 1);
        CHECK(contains(unknown.errors, "seed 000001-users is not applied"));
    }
}
