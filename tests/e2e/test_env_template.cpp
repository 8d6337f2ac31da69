// `env create` through a template database made once from the snapshot,
// against the scratch server: the copy is what applying the snapshot as the
// environment's role gives, templates are built once and replaced when a
// newer snapshot comes, and a failed build leaves nothing.

#include "tests/e2e/fresh_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

using namespace ecluse;
using namespace ecluse::test;
namespace fs = std::filesystem;

namespace {

std::string admin() {
    return scratch_server().url();
}

std::vector<std::string> split_output(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = std::min(text.find('\n', start), text.size());
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// `env create NAME` (with `extra` arguments); returns its JSON output.
nlohmann::json env_create(const fs::path& root, const std::string& name,
                          std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"env", "create", name, "--admin-url", admin()};
    args.insert(args.end(), extra.begin(), extra.end());
    ProcessResult created = run_ecluse(root, args);
    REQUIRE_MESSAGE(created.exit_code == 0, created.errors);
    return nlohmann::json::parse(created.output);
}

void env_drop(const fs::path& root, const std::string& name) {
    ProcessResult dropped = run_ecluse(root, {"env", "drop", name, "--admin-url", admin()});
    REQUIRE_MESSAGE(dropped.exit_code == 0, dropped.errors);
}

// `env create pr_one` and `env create pr_two` started at once; their JSON.
std::pair<nlohmann::json, nlohmann::json> create_two_at_once(const fs::path& root) {
    auto first = Spawned::ecluse(root, {"env", "create", "pr_one", "--admin-url", admin()});
    auto second = Spawned::ecluse(root, {"env", "create", "pr_two", "--admin-url", admin()});
    const ProcessResult& one = first->wait();
    const ProcessResult& two = second->wait();
    REQUIRE_MESSAGE(one.exit_code == 0, one.errors);
    REQUIRE_MESSAGE(two.exit_code == 0, two.errors);
    return {nlohmann::json::parse(one.output), nlohmann::json::parse(two.output)};
}

std::string templates(const fs::path& root) {
    ProcessResult listed = run_ecluse(root, {"env", "list-templates", "--admin-url", admin()});
    REQUIRE_MESSAGE(listed.exit_code == 0, listed.errors);
    return listed.output;
}

void drop_all_templates(const fs::path& root) {
    ProcessResult dropped = run_ecluse(root, {"env", "drop-templates", "--admin-url", admin()});
    REQUIRE_MESSAGE(dropped.exit_code == 0, dropped.errors);
}

// Databases and roles whose name starts with `prefix`, one "name" a line.
std::string databases_like(const std::string& prefix) {
    return psql(admin(), "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database "
                         "WHERE starts_with(datname, '" +
                             prefix + "')");
}

// The whole schema, owners and privileges included, ecluse's bookkeeping
// schema too, made comparable.
std::string full_schema(const std::string& url) {
    ProcessResult dump = run_process(
        {(find_server_bindir() / "pg_dump").string(), "--dbname", url, "--schema-only"});
    REQUIRE_MESSAGE(dump.exit_code == 0, dump.errors);
    std::string out;
    for (const auto& line : split_output(dump.output)) {
        if (!line.empty() && line.rfind("--", 0) != 0 && line.rfind("\\restrict", 0) != 0 &&
            line.rfind("\\unrestrict", 0) != 0) {
            out += line + "\n";
        }
    }
    return out;
}

// What the bookkeeping says, times aside.
std::string ledger_contents(const std::string& url) {
    return psql(url, "SELECT string_agg(concat_ws(' ', revision, branch, down_revision, "
                     "depends_on, checksum, message, path, applied_by, ecluse_version, stamped, "
                     "transaction_mode, snapshot, downgrade_sql IS NULL, "
                     "applied_at > now() - interval '10 minutes'), E'\\n' ORDER BY revision) "
                     "FROM ecluse.applied_revision") +
           "\n" +
           psql(url, "SELECT string_agg(concat_ws(' ', event_id, action, revision, outcome, "
                     "detail, applied_by, ecluse_version), E'\\n' ORDER BY event_id) FROM "
                     "ecluse.event_log");
}

// Row count and checksum of every table of the public schema.
std::string rows_of(const std::string& url) {
    std::string out;
    for (const auto& table : split_output(
             psql(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"))) {
        out += table + ":" +
               psql(url, "SELECT count(*) || '/' || coalesce(md5(string_agg(t::text, ',' ORDER "
                         "BY t::text)), '') FROM public." +
                             table + " t") +
               " ";
    }
    return out;
}

// Objects in the database not owned by `role`: relations, schemas, types
// and functions outside the system's, and anything the template owner
// still owns.
std::string not_owned_by(const std::string& url, const std::string& role) {
    return psql(
        url,
        "SELECT count(*) FILTER (WHERE owner <> '" + role +
            "') || ' ' || count(*) FROM (SELECT c.relowner::regrole::text AS owner FROM pg_class "
            "c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('public', "
            "'ecluse') UNION ALL SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname "
            "= 'ecluse' UNION ALL SELECT t.typowner::regrole::text FROM pg_type t JOIN "
            "pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname IN ('public', 'ecluse') "
            "UNION ALL SELECT 'template owner' FROM pg_shdepend WHERE dbid = (SELECT oid FROM "
            "pg_database WHERE datname = current_database()) AND refobjid = (SELECT oid FROM "
            "pg_roles WHERE rolname = 'ecluse_template_owner')) o");
}

} // namespace

TEST_SUITE("env template") {

    TEST_CASE("a copy of the template is what applying the snapshot as the role gives, and is "
              "the role's own") {
        Project project;
        const fs::path& root = project.root();
        drop_all_templates(root);
        write_history(project, 60);
        ProcessResult snapshot = run_ecluse(root, {"snapshot"});
        REQUIRE_MESSAGE(snapshot.exit_code == 0, snapshot.errors);
        project.add({"bbbb00000001", "pre", "add bookings",
                     "CREATE TABLE bookings (id int PRIMARY KEY);\nINSERT INTO bookings VALUES "
                     "(1);\n",
                     "DROP TABLE bookings;\n"});

        // The same name both ways, so that owners compare as they are.
        nlohmann::json direct = env_create(root, "pr_same", {"--no-template"});
        CHECK(direct["template"].is_null());
        CHECK(direct["snapshot"].is_string());
        CHECK(direct["revisions_applied"] == 1);
        std::string direct_url = direct["url"].get<std::string>();
        std::string direct_schema = full_schema(direct_url);
        std::string direct_ledger = ledger_contents(direct_url);
        std::string direct_rows = rows_of(direct_url);
        auto direct_states = states(root, direct_url);
        std::string direct_owners = not_owned_by(direct_url, "pr_same");
        CHECK(templates(root).empty());
        env_drop(root, "pr_same");

        // What a build killed halfway leaves behind: the next build drops it.
        psql(admin(), "CREATE DATABASE ecluse_tmpl_killed_build_1");
        psql(admin(), "COMMENT ON DATABASE ecluse_tmpl_killed_build_1 IS 'ecluse template build'");
        nlohmann::json copied = env_create(root, "pr_same");
        CHECK(databases_like("ecluse_tmpl_killed").empty());
        std::string name = copied["template"].get<std::string>();
        CHECK(name.rfind("ecluse_tmpl_", 0) == 0);
        CHECK(name.size() == 28);
        CHECK(copied["template_built"] == true);
        CHECK(copied["snapshot"] == direct["snapshot"]);
        CHECK(copied["revisions_applied"] == 1);
        std::string url = copied["url"].get<std::string>();

        CHECK(full_schema(url) == direct_schema);
        CHECK(contains(direct_schema, "OWNER TO pr_same"));
        CHECK(ledger_contents(url) == direct_ledger);
        CHECK(contains(direct_ledger, "pr_same"));
        CHECK(rows_of(url) == direct_rows);
        CHECK(contains(direct_rows, "bookings:1/"));
        CHECK(states(root, url) == direct_states);
        CHECK(direct_states.size() == 61);
        // Every object is the role's, as when it applies the snapshot itself.
        CHECK(not_owned_by(url, "pr_same") == direct_owners);
        CHECK(direct_owners.rfind("0 ", 0) == 0);
        CHECK(direct_owners != "0 0");
        // The role does what an owner does.
        psql(url, "ALTER TABLE item_0 ADD COLUMN extra int; DROP TABLE item_1; "
                  "TRUNCATE ecluse.event_log");

        // The template: marked, closed to connections, not an environment.
        CHECK(psql(admin(), "SELECT datistemplate::text || ' ' || datallowconn::text || ' ' || "
                            "pg_get_userbyid(datdba) FROM pg_database WHERE datname = '" +
                                name + "'") ==
              "true false " + psql(admin(), "SELECT current_user"));
        CHECK(templates(root) == name + "\n");
        CHECK(run_ecluse(root, {"env", "list", "--admin-url", admin()}).output == "pr_same\n");
        ProcessResult not_env = run_ecluse(root, {"env", "drop", name, "--admin-url", admin()});
        CHECK(not_env.exit_code == 1);
        CHECK(contains(not_env.errors, "was not made by `ecluse env create`"));

        // A second environment copies the same template without building it.
        nlohmann::json second = env_create(root, "pr_second");
        CHECK(second["template"] == name);
        CHECK(second["template_built"] == false);
        std::string second_url = second["url"].get<std::string>();
        CHECK(not_owned_by(second_url, "pr_second").rfind("0 ", 0) == 0);
        // What pr_same's role changed is its own.
        CHECK(psql(second_url, "SELECT count(*) FROM item_1") == "2");
        CHECK(psql(second_url, "SELECT count(*) FROM item_0 WHERE label LIKE 'ref%'") == "2");
        CHECK(states(root, second_url) == direct_states);

        env_drop(root, "pr_same");
        env_drop(root, "pr_second");
        CHECK(databases_like("pr_").empty());
        drop_all_templates(root);
        CHECK(templates(root).empty());
        CHECK(psql(admin(), "SELECT count(*) FROM pg_roles WHERE rolname = "
                            "'ecluse_template_owner'") == "0");
    }

    TEST_CASE("two creates at once build the template once") {
        Project project;
        const fs::path& root = project.root();
        drop_all_templates(root);
        write_history(project, 100);
        REQUIRE(run_ecluse(root, {"snapshot"}).exit_code == 0);
        auto [one_json, two_json] = create_two_at_once(root);
        CHECK(one_json["template"] == two_json["template"]);
        CHECK(one_json["template_built"] != two_json["template_built"]);
        CHECK(templates(root) == one_json["template"].get<std::string>() + "\n");
        CHECK(databases_like("ecluse_tmpl_") == one_json["template"].get<std::string>());
        for (const auto& [env, document] : {std::pair{"pr_one", one_json}, {"pr_two", two_json}}) {
            std::string url = document["url"].get<std::string>();
            CHECK(not_owned_by(url, env).rfind("0 ", 0) == 0);
            CHECK(ledger_rows(url) == 100);
            env_drop(root, env);
        }
    }

    TEST_CASE("a newer snapshot replaces the template; a failed build leaves nothing") {
        Project project;
        const fs::path& root = project.root();
        drop_all_templates(root);
        write_history(project, 10);
        REQUIRE(run_ecluse(root, {"snapshot"}).exit_code == 0);
        std::string old_template = env_create(root, "pr_old")["template"].get<std::string>();
        CHECK(templates(root) == old_template + "\n");

        project.add({"bbbb00000002", "pre", "add bookings", "CREATE TABLE bookings (id int);\n",
                     "DROP TABLE bookings;\n"});
        // Snapshot names have a one-second timestamp.
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));
        ProcessResult newer = run_ecluse(root, {"snapshot"});
        REQUIRE_MESSAGE(newer.exit_code == 0, newer.errors);
        nlohmann::json created = env_create(root, "pr_new");
        std::string new_template = created["template"].get<std::string>();
        CHECK(new_template != old_template);
        CHECK(created["template_built"] == true);
        CHECK(created["revisions_applied"] == 0);
        CHECK(templates(root) == new_template + "\n");
        // The environment made from the old template lives on.
        CHECK(psql(admin(), "SELECT count(*) FROM pg_database WHERE datname = 'pr_old'") == "1");
        env_drop(root, "pr_old");
        env_drop(root, "pr_new");

        // A snapshot whose dump fails: the build is rolled back whole.
        drop_all_templates(root);
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(root / "migrations" / "snapshot")) {
            files.push_back(entry.path());
        }
        std::sort(files.begin(), files.end());
        write(files.back(), read(files.back()) + "\nSELECT 1 / 0;\n");
        ProcessResult failed =
            run_ecluse(root, {"env", "create", "pr_failed", "--admin-url", admin()});
        CHECK(failed.exit_code == 1);
        CHECK(contains(failed.errors, "building the template database ecluse_tmpl_"));
        CHECK(contains(failed.errors, "22012"));
        CHECK(contains(failed.errors, "--no-template"));
        CHECK(templates(root).empty());
        CHECK(databases_like("ecluse_tmpl_").empty());
        CHECK(databases_like("pr_failed").empty());
        CHECK(psql(admin(), "SELECT count(*) FROM pg_roles WHERE rolname = 'pr_failed'") == "0");
    }

    TEST_CASE("env prepare makes spares that create takes instead of copying, with the same "
              "result") {
        Project project;
        const fs::path& root = project.root();
        drop_all_templates(root);
        write_history(project, 30);
        ProcessResult no_snapshot =
            run_ecluse(root, {"env", "prepare", "--count", "2", "--admin-url", admin()});
        CHECK(no_snapshot.exit_code == 1);
        CHECK(contains(no_snapshot.errors, "no usable snapshot"));
        ProcessResult negative =
            run_ecluse(root, {"env", "prepare", "--count=-1", "--admin-url", admin()});
        CHECK(negative.exit_code == 2);
        CHECK_MESSAGE(contains(negative.errors, "--count wants a number from 0 to 1000"),
                      negative.errors);
        REQUIRE(run_ecluse(root, {"snapshot"}).exit_code == 0);
        project.add({"bbbb00000003", "pre", "add bookings",
                     "CREATE TABLE bookings (id int PRIMARY KEY);\nINSERT INTO bookings VALUES "
                     "(1);\n",
                     "DROP TABLE bookings;\n"});

        nlohmann::json direct = env_create(root, "pr_same", {"--no-template"});
        CHECK(direct["spare"] == false);
        std::string direct_url = direct["url"].get<std::string>();
        std::string direct_schema = full_schema(direct_url);
        std::string direct_ledger = ledger_contents(direct_url);
        std::string direct_rows = rows_of(direct_url);
        auto direct_states = states(root, direct_url);
        env_drop(root, "pr_same");

        // A spare left half-made by a killed `env prepare`: the build drops it.
        psql(admin(), "CREATE ROLE ecluse_spare_killed NOLOGIN");
        psql(admin(), "COMMENT ON ROLE ecluse_spare_killed IS 'ecluse spare being made'");
        psql(admin(), "CREATE DATABASE ecluse_spare_killed OWNER ecluse_spare_killed");
        ProcessResult prepared = run_ecluse(
            root, {"--format", "json", "env", "prepare", "--count", "2", "--admin-url", admin()});
        REQUIRE_MESSAGE(prepared.exit_code == 0, prepared.errors);
        nlohmann::json made = nlohmann::json::parse(prepared.output);
        CHECK(made["template_built"] == true);
        CHECK(made["made"].size() == 2);
        CHECK(made["ready"] == 2);
        CHECK(psql(admin(), "SELECT count(*) FROM pg_roles WHERE rolname = "
                            "'ecluse_spare_killed'") == "0");
        std::string spares = databases_like("ecluse_spare_");
        CHECK(
            spares ==
            (made["made"][0] < made["made"][1]
                 ? made["made"][0].get<std::string>() + "," + made["made"][1].get<std::string>()
                 : made["made"][1].get<std::string>() + "," + made["made"][0].get<std::string>()));
        // Spares are not environments, and cannot log in.
        CHECK(run_ecluse(root, {"env", "list", "--admin-url", admin()}).output.empty());
        CHECK(psql(admin(), "SELECT count(*) FROM pg_roles WHERE starts_with(rolname, "
                            "'ecluse_spare_') AND NOT rolcanlogin") == "2");

        nlohmann::json taken = env_create(root, "pr_same");
        CHECK(taken["spare"] == true);
        CHECK(taken["template"] == made["template"]);
        CHECK(taken["template_built"] == false);
        CHECK(taken["revisions_applied"] == 1);
        std::string url = taken["url"].get<std::string>();
        CHECK(full_schema(url) == direct_schema);
        CHECK(ledger_contents(url) == direct_ledger);
        CHECK(contains(direct_ledger, "pr_same"));
        CHECK(rows_of(url) == direct_rows);
        CHECK(states(root, url) == direct_states);
        CHECK(not_owned_by(url, "pr_same").rfind("0 ", 0) == 0);
        CHECK(databases_like("ecluse_spare_").find(',') == std::string::npos);

        // Topping up makes only what is missing.
        ProcessResult again = run_ecluse(
            root, {"--format", "json", "env", "prepare", "--count", "2", "--admin-url", admin()});
        REQUIRE_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(nlohmann::json::parse(again.output)["made"].size() == 1);

        // Two creates at once take a spare each.
        auto [one, two] = create_two_at_once(root);
        CHECK(one["spare"] == true);
        CHECK(two["spare"] == true);
        CHECK(databases_like("ecluse_spare_").empty());
        // With none left, create copies the template again.
        nlohmann::json copied = env_create(root, "pr_three");
        CHECK(copied["spare"] == false);
        CHECK(states(root, copied["url"].get<std::string>()) == direct_states);

        REQUIRE(run_ecluse(root, {"env", "prepare", "--admin-url", admin()}).exit_code == 0);
        CHECK(!databases_like("ecluse_spare_").empty());
        for (const char* env : {"pr_same", "pr_one", "pr_two", "pr_three"}) {
            env_drop(root, env);
        }
        drop_all_templates(root);
        CHECK(databases_like("ecluse_spare_").empty());
        CHECK(psql(admin(), "SELECT count(*) FROM pg_roles WHERE starts_with(rolname, "
                            "'ecluse_spare_')") == "0");
    }

    TEST_CASE("an environment's password is checked by the server, and never reaches it in "
              "clear") {
        // This test binary's own scratch server trusts local connections:
        // these two roles must give their password (SCRAM), and the server
        // logs the statements that set it.
        fs::path hba = scratch_server().data_directory() / "pg_hba.conf";
        std::string trusting = read(hba);
        // In place: the server's user must still own the file.
        auto overwrite = [&hba](const std::string& text) { std::ofstream(hba) << text; };
        overwrite("local all pr_pass,pr_spare scram-sha-256\n" + trusting);
        psql(admin(), "ALTER SYSTEM SET log_statement = 'ddl'");
        psql(admin(), "SELECT pg_reload_conf()");
        // The server trusts again whatever happens below.
        struct Restore {
            std::function<void()> undo;
            ~Restore() {
                try {
                    undo();
                } catch (...) {
                }
            }
        } restore{[&] {
            overwrite(trusting);
            psql(admin(), "ALTER SYSTEM RESET log_statement");
            psql(admin(), "SELECT pg_reload_conf()");
        }};
        Project project;
        const fs::path& root = project.root();
        drop_all_templates(root);
        write_history(project, 3);
        REQUIRE(run_ecluse(root, {"snapshot"}).exit_code == 0);
        REQUIRE(run_ecluse(root, {"env", "prepare", "--admin-url", admin()}).exit_code == 0);
        std::string log_before = read(scratch_server().log_file());

        nlohmann::json made = env_create(root, "pr_pass", {"--no-template"});
        nlohmann::json taken = env_create(root, "pr_spare");
        CHECK(taken["spare"] == true);
        for (const auto& [role, document] : {std::pair{"pr_pass", made}, {"pr_spare", taken}}) {
            std::string url = document["url"].get<std::string>();
            CHECK(psql(url, "SELECT current_user") == role);
            std::size_t from = url.find(':', std::string("postgresql://").size()) + 1;
            std::string password = url.substr(from, url.find('@') - from);
            REQUIRE(password.size() == 32);
            std::string wrong = url;
            wrong.replace(from, password.size(), std::string(password.size(), '0'));
            ProcessResult refused =
                run_process({"/usr/bin/psql", "-X", "-At", "-d", wrong, "-c", "SELECT 1"});
            CHECK(refused.exit_code != 0);
            CHECK_MESSAGE(contains(refused.errors, "password authentication failed"),
                          refused.errors);
            CHECK(psql(admin(), "SELECT rolpassword LIKE 'SCRAM-SHA-256$4096:%' FROM pg_authid "
                                "WHERE rolname = '" +
                                    std::string(role) + "'") == "t");
            std::string log = read(scratch_server().log_file()).substr(log_before.size());
            CHECK(contains(log, "PASSWORD 'SCRAM-SHA-256$4096:"));
            CHECK_FALSE(contains(log, password));
        }

        env_drop(root, "pr_pass");
        env_drop(root, "pr_spare");
        drop_all_templates(root);
    }

    TEST_CASE("without a snapshot env create replays and makes no template") {
        Project project;
        const fs::path& root = project.root();
        drop_all_templates(root);
        write_history(project, 5);
        nlohmann::json created = env_create(root, "pr_replay");
        CHECK(created["template"].is_null());
        CHECK(created["snapshot"].is_null());
        CHECK(created["revisions_applied"] == 5);
        CHECK(templates(root).empty());
        CHECK(not_owned_by(created["url"].get<std::string>(), "pr_replay").rfind("0 ", 0) == 0);
        env_drop(root, "pr_replay");
    }
}

TEST_SUITE("env isolation") {

    TEST_CASE("an environment's role reaches no other environment, and drop ends its sessions") {
        Project project;
        const fs::path& root = project.root();
        write_history(project, 3);
        std::string a_url = env_create(root, "pr_iso_a")["url"].get<std::string>();
        std::string b_url = env_create(root, "pr_iso_b")["url"].get<std::string>();
        // A's role, with its own URL, towards B's database.
        std::string a_to_b = a_url.substr(0, a_url.rfind("/pr_iso_a")) + "/pr_iso_b" +
                             a_url.substr(a_url.rfind("/pr_iso_a") + 9);
        ProcessResult refused =
            run_process({"/usr/bin/psql", "-X", "-At", "-d", a_to_b, "-c", "SELECT 1"});
        CHECK(refused.exit_code != 0);
        CHECK_MESSAGE(contains(refused.errors, "permission denied for database \"pr_iso_b\""),
                      refused.errors);
        CHECK(psql(a_url, "SELECT current_user || ' ' || current_database()") ==
              "pr_iso_a pr_iso_a");
        // TEMP is not granted in B either, even to a role that could connect.
        CHECK(psql(admin(), "SELECT has_database_privilege('pr_iso_a', 'pr_iso_b', 'TEMP')::text "
                            "|| ' ' || has_database_privilege('pr_iso_b', 'pr_iso_b', "
                            "'TEMP')::text") == "false true");
        // A session of A's role in another database, holding a TEMP table.
        std::string a_elsewhere = a_url.substr(0, a_url.rfind("/pr_iso_a")) + "/postgres" +
                                  a_url.substr(a_url.rfind("/pr_iso_a") + 9);
        auto session = std::make_unique<Spawned>(
            std::vector<std::string>{"/usr/bin/psql", "-X", "-d", a_elsewhere, "-c",
                                     "CREATE TEMP TABLE held (id int); SELECT pg_sleep(60)"},
            root);
        for (int i = 0; i < 100 && psql(admin(), "SELECT count(*) FROM pg_stat_activity WHERE "
                                                 "usename = 'pr_iso_a' AND datname = "
                                                 "'postgres' AND wait_event = 'PgSleep'") != "1";
             ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        REQUIRE(psql(admin(), "SELECT count(*) FROM pg_stat_activity WHERE usename = "
                              "'pr_iso_a'") == "1");
        env_drop(root, "pr_iso_a");
        CHECK(session->wait().exit_code != 0);
        CHECK(psql(admin(), "SELECT count(*) FROM pg_stat_activity WHERE usename = "
                            "'pr_iso_a'") == "0");
        CHECK(psql(admin(), "SELECT count(*) FROM pg_roles WHERE rolname = 'pr_iso_a'") == "0");
        env_drop(root, "pr_iso_b");
    }

    TEST_CASE("an admin with CREATEROLE and CREATEDB, not superuser, creates and drops "
              "environments, from a template too") {
        psql(admin(), "DROP ROLE IF EXISTS env_admin");
        psql(admin(), "CREATE ROLE env_admin LOGIN CREATEROLE CREATEDB PASSWORD 'secret'");
        std::string url = scratch_server().url();
        std::string limited = "postgresql://env_admin:secret@" +
                              url.substr(std::string("postgresql://postgres@").size());
        Project project;
        const fs::path& root = project.root();
        drop_all_templates(root);
        write_history(project, 10);
        for (std::vector<std::string> extra : {std::vector<std::string>{}, {"snapshot"}}) {
            if (!extra.empty()) {
                REQUIRE(run_ecluse(root, {"snapshot"}).exit_code == 0);
            }
            ProcessResult created =
                run_ecluse(root, {"env", "create", "pr_limited", "--admin-url", limited});
            REQUIRE_MESSAGE(created.exit_code == 0, created.errors);
            nlohmann::json document = nlohmann::json::parse(created.output);
            CHECK(document["template"].is_null() == extra.empty());
            std::string env_url = document["url"].get<std::string>();
            CHECK(psql(env_url, "SELECT current_user") == "pr_limited");
            CHECK(not_owned_by(env_url, "pr_limited").rfind("0 ", 0) == 0);
            ProcessResult dropped =
                run_ecluse(root, {"env", "drop", "pr_limited", "--admin-url", limited});
            REQUIRE_MESSAGE(dropped.exit_code == 0, dropped.errors);
            CHECK(databases_like("pr_limited").empty());
        }
        ProcessResult dropped = run_ecluse(root, {"env", "drop-templates", "--admin-url", limited});
        CHECK_MESSAGE(dropped.exit_code == 0, dropped.errors);
        psql(admin(), "DROP ROLE env_admin");
    }

    TEST_CASE("reserved names are refused; a name taken, even at the same moment, is said so") {
        Project project;
        const fs::path& root = project.root();
        write_history(project, 3);
        for (const char* name : {"ecluse_template_owner", "ecluse_tmpl_0123456789abcdef",
                                 "ecluse_spare_x", "pg_mine"}) {
            ProcessResult refused =
                run_ecluse(root, {"env", "create", name, "--admin-url", admin()});
            CHECK(refused.exit_code == 2);
            CHECK_MESSAGE(contains(refused.errors, "which is reserved"), refused.errors);
            CHECK(contains(refused.errors, "for example pr_1234"));
        }
        CHECK(databases_like("ecluse_template_owner").empty());

        auto first = Spawned::ecluse(root, {"env", "create", "pr_race", "--admin-url", admin()});
        auto second = Spawned::ecluse(root, {"env", "create", "pr_race", "--admin-url", admin()});
        const ProcessResult& one = first->wait();
        const ProcessResult& two = second->wait();
        CHECK((one.exit_code == 0) != (two.exit_code == 0));
        const ProcessResult& loser = one.exit_code == 0 ? two : one;
        CHECK(loser.exit_code == 1);
        CHECK_MESSAGE(contains(loser.errors, "environment pr_race already exists"), loser.errors);
        CHECK_FALSE(contains(loser.errors, "42710"));
        ProcessResult again =
            run_ecluse(root, {"env", "create", "pr_race", "--admin-url", admin()});
        CHECK(again.exit_code == 1);
        CHECK(contains(again.errors, "environment pr_race already exists"));
        CHECK(contains(again.errors, "--recreate"));
        env_drop(root, "pr_race");
    }
}
