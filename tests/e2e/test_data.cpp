// `data load` against the scratch server: only a data-only dump runs, in
// one transaction that nothing in the file can end.

#include "tests/e2e/fresh_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

using namespace ecluse;
using namespace ecluse::test;
namespace fs = std::filesystem;

namespace {

// A migrated database of the shop with some rows.
std::string populated_shop(const fs::path& root) {
    std::string url = create_database();
    ProcessResult upgrade = run_on(root, url, {"upgrade", "heads"});
    REQUIRE_MESSAGE(upgrade.exit_code == 0, upgrade.errors);
    psql(url, "INSERT INTO users (name) SELECT 'user ' || i FROM generate_series(1, 50) i");
    psql(url, "INSERT INTO bookings (fk_user, amount) SELECT 1 + i % 50, i / 4.0 FROM "
              "generate_series(1, 300) i");
    return url;
}

// Everything a load could change: the rows of every table of the public
// schema and of ecluse's, the sequences, the tables and the roles.
std::string database_state(const std::string& url) {
    return psql(url, "SELECT (SELECT count(*) FROM users) || '/' || (SELECT count(*) FROM "
                     "bookings) || '/' || (SELECT md5(string_agg(u::text, ',' ORDER BY "
                     "user_id)) FROM users u) || '/' || (SELECT md5(string_agg(b::text, ',' ORDER "
                     "BY booking_id)) FROM bookings b) || '/' || (SELECT count(*) FROM "
                     "ecluse.applied_revision) || '/' || (SELECT count(*) FROM ecluse.event_log) "
                     "|| '/' || (SELECT last_value FROM users_user_id_seq) || '/' || (SELECT "
                     "string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relkind = "
                     "'r' AND relnamespace = 'public'::regnamespace) || '/' || (SELECT count(*) "
                     "FROM pg_roles)");
}

fs::path plain_data_dump(const std::string& url, const fs::path& path) {
    ProcessResult dump = run_process({(find_server_bindir() / "pg_dump").string(), "--dbname", url,
                                      "--data-only", "-f", path.string()});
    REQUIRE_MESSAGE(dump.exit_code == 0, dump.errors);
    return path;
}

} // namespace

TEST_SUITE("data load") {

    TEST_CASE("what is not data is refused at its file:line before anything runs, --truncate "
              "included: the database is unchanged") {
        Project project;
        const fs::path& root = project.root();
        write_shop(project);
        std::string url = populated_shop(root);
        std::string before = database_state(url);
        fs::path marker = root / "program-ran";
        struct Attack {
            std::string sql;   // the statement refused, on line 3 of the file
            std::string words; // how the message names it
        };
        std::vector<Attack> attacks = {
            {"COMMIT", "COMMIT"},
            {"DROP TABLE public.bookings", "DROP TABLE public.bookings"},
            {"DELETE FROM ecluse.applied_revision", "DELETE FROM ecluse.applied_revision"},
            {"CREATE ROLE intruder SUPERUSER LOGIN", "CREATE ROLE intruder SUPERUSER LOGIN"},
            {"COPY public.users TO PROGRAM 'touch " + marker.string() + "'",
             "COPY public.users TO PROGRAM 'touch"},
        };
        for (const Attack& attack : attacks) {
            CAPTURE(attack.sql);
            fs::path file = root / "attack.sql";
            // Rows before the statement, and a bad row after it: before the
            // check, a COMMIT kept the truncate and the first row for good.
            write(file, "SET lock_timeout = 0;\nINSERT INTO public.users (name) VALUES ('x');\n" +
                            attack.sql +
                            ";\nINSERT INTO public.bookings (fk_user, amount) VALUES (999, -1);\n");
            ProcessResult load = run_on(root, url, {"data", "load", file.string(), "--truncate"});
            CHECK(load.exit_code == 2);
            CHECK_MESSAGE(contains(load.errors, file.string() + ":3:1: `" + attack.words),
                          load.errors);
            CHECK(contains(load.errors, "is not what a data-only dump holds: nothing was loaded"));
            CHECK_FALSE(contains(load.errors, "rolled back"));
            CHECK(load.output.empty());
            CHECK(database_state(url) == before);
        }
        CHECK_FALSE(fs::exists(marker));
        CHECK(psql(url, "SELECT count(*) FROM pg_roles WHERE rolname = 'intruder'") == "0");
    }

    TEST_CASE("a plain pg_dump --data-only of a migrated database loads into a fresh migrated "
              "one; ecluse's bookkeeping in it is skipped, and said so") {
        Project project;
        const fs::path& root = project.root();
        write_shop(project);
        std::string source = populated_shop(root);
        fs::path dump = plain_data_dump(source, root / "plain.sql");
        CHECK(contains(read(dump), "COPY ecluse.applied_revision"));
        CHECK(contains(read(dump), "\\restrict "));

        std::string target = create_database();
        REQUIRE(run_on(root, target, {"upgrade", "heads"}).exit_code == 0);
        std::string ledger_before =
            psql(target, "SELECT count(*) || '/' || (SELECT count(*) FROM ecluse.event_log) "
                         "FROM ecluse.applied_revision");
        ProcessResult load = run_on(root, target, {"data", "load", dump.string()});
        REQUIRE_MESSAGE(load.exit_code == 0, load.errors);
        std::string skipped_line = load.output.substr(0, load.output.find('\n'));
        CHECK(skipped_line.rfind("skipped ecluse's own bookkeeping in " + dump.string() + ": ",
                                 0) == 0);
        CHECK(contains(skipped_line, "ecluse.applied_revision"));
        CHECK(contains(skipped_line, "ecluse.event_log"));
        CHECK(contains(load.output, "\nloaded " + dump.string() + ": "));
        // The application's rows came over, the target's own ledger did not change.
        std::string rows = "SELECT (SELECT md5(string_agg(u::text, ',' ORDER BY user_id)) FROM "
                           "users u) || (SELECT md5(string_agg(b::text, ',' ORDER BY booking_id)) "
                           "FROM bookings b) || (SELECT last_value FROM users_user_id_seq)";
        CHECK(psql(target, rows) == psql(source, rows));
        CHECK(psql(target, "SELECT count(*) || '/' || (SELECT count(*) FROM ecluse.event_log) "
                           "FROM ecluse.applied_revision") == ledger_before);
        CHECK(run_on(root, target, {"status"}).exit_code == 0);

        // Loaded again with --truncate: the same rows, not twice as many.
        ProcessResult again = run_on(root, target, {"data", "load", dump.string(), "--truncate"});
        REQUIRE_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(psql(target, rows) == psql(source, rows));
    }

    TEST_CASE("an empty file, or one of settings alone, is refused with --truncate") {
        Project project;
        const fs::path& root = project.root();
        write_shop(project);
        std::string url = populated_shop(root);
        std::string before = database_state(url);
        fs::path empty = root / "empty.sql";
        write(empty, "");
        fs::path settings = root / "settings.sql";
        write(settings, "SET statement_timeout = 0;\nSELECT pg_catalog.set_config('search_path', "
                        "'', false);\n");
        for (const fs::path& file : {empty, settings}) {
            CAPTURE(file);
            ProcessResult load = run_on(root, url, {"data", "load", file.string(), "--truncate"});
            CHECK(load.exit_code == 2);
            CHECK(contains(load.errors, file.string() +
                                            ": the dump holds no row to load: with --truncate, "
                                            "loading it would only empty every table"));
            CHECK(database_state(url) == before);
        }
        ProcessResult without = run_on(root, url, {"data", "load", empty.string()});
        CHECK(without.exit_code == 0);
        CHECK(database_state(url) == before);
    }

    TEST_CASE("a bad row of a COPY block is reported at that row's own line, and nothing is "
              "loaded") {
        Project project;
        const fs::path& root = project.root();
        write_shop(project);
        std::string url = populated_shop(root);
        fs::path dump = plain_data_dump(url, root / "data.sql");
        std::string text = read(dump);
        std::size_t copy = text.find("COPY public.bookings");
        REQUIRE(copy != std::string::npos);
        // The 101st row of the block goes bad.
        std::size_t row = text.find('\n', copy) + 1;
        for (int i = 0; i < 100; ++i) {
            row = text.find('\n', row) + 1;
        }
        text.insert(row, "7000\t1\tnot-a-number\n");
        fs::path bad = root / "bad.sql";
        write(bad, text);
        int bad_line = line_of(text, "7000\t1\tnot-a-number");
        REQUIRE(bad_line > line_of(text, "COPY public.bookings") + 100);

        psql(url, "DELETE FROM bookings WHERE booking_id > 250");
        std::string before = database_state(url);
        ProcessResult load = run_on(root, url, {"data", "load", bad.string(), "--truncate"});
        CHECK(load.exit_code == 1);
        CHECK_MESSAGE(contains(load.errors, "loading " + bad.string() + " failed at " +
                                                bad.string() + ":" + std::to_string(bad_line) +
                                                ": 22P02"),
                      load.errors);
        CHECK(contains(load.errors, "the load was rolled back: the database is exactly as it was"));
        CHECK(database_state(url) == before);
    }
}
