// -v and -q end to end: -v prints timed diagnostics on stderr (the
// connection without its password, the lock, every statement sent), -q
// keeps only what went wrong; errors are printed once either way.

#include "tests/e2e/database_support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using ecluse::ProcessResult;
using namespace ecluse::test;

namespace {

struct OneTable {
    Project project;
    std::string url = create_database();

    OneTable() {
        project.add({"a9b8c7d6e5f4", "pre", "table one",
                     "CREATE TABLE one (id int);\nCREATE INDEX one_id ON one (id);\n",
                     "DROP TABLE one;\n"});
    }

    ProcessResult run(const std::string& database, std::vector<std::string> args) const {
        args.insert(args.begin(), {"-d", database});
        return run_ecluse(project.root(), args);
    }

    // The URL with a password, which the scratch server (trusting local
    // connections) accepts and ignores.
    std::string with_password() const {
        std::string out = url;
        out.replace(out.find("postgres@"), 9, "postgres:s3cret@");
        return out;
    }
};

} // namespace

TEST_SUITE("diagnostics") {

    TEST_CASE("-v says where it connects without the password, the lock, and every statement "
              "with its duration") {
        OneTable db;
        ProcessResult up = db.run(db.with_password(), {"-v", "upgrade", "pre@head"});
        REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        CHECK(contains(up.errors, " ecluse debug: connecting to postgresql://postgres:***@/test_"));
        CHECK(contains(up.errors, " ecluse debug: connected to postgres@"));
        CHECK(contains(up.errors, "(server 15"));
        CHECK(contains(up.errors, " ecluse debug: took the migration lock (session advisory lock "
                                  "1701015925, "));
        CHECK(contains(up.errors, " ecluse debug: upgrade a9b8c7d6e5f4 (migrations/pre/"));
        CHECK(contains(up.errors, "): 2 statements in one transaction\n"));
        CHECK(contains(up.errors, " ms: BEGIN; SET LOCAL lock_timeout = '5s'; SET LOCAL "
                                  "statement_timeout = '60s'\n"));
        CHECK(contains(up.errors, " ms: CREATE TABLE one (id int)\n"));
        CHECK(contains(up.errors, " ms: CREATE INDEX one_id ON one (id)\n"));
        CHECK(contains(up.errors, " ms: INSERT INTO \"ecluse\".applied_revision"));
        CHECK_FALSE(contains(up.errors + up.output, "s3cret"));
        // The report on stdout is unchanged.
        CHECK(contains(up.output, "  applied pre  a9b8c7d6e5f4  table one  ("));
        CHECK(relation_exists(db.url, "one_id"));
    }

    TEST_CASE("without -v there are no diagnostics, and -q prints nothing at all on success") {
        OneTable db;
        ProcessResult plain = db.run(db.url, {"upgrade", "pre@head"});
        REQUIRE_MESSAGE(plain.exit_code == 0, plain.errors);
        CHECK(plain.errors.empty());
        REQUIRE(db.run(db.url, {"downgrade", "pre@base"}).exit_code == 0);

        ProcessResult quiet = db.run(db.url, {"-q", "upgrade", "pre@head"});
        REQUIRE_MESSAGE(quiet.exit_code == 0, quiet.errors);
        CHECK(quiet.output.empty());
        CHECK(quiet.errors.empty());
        CHECK(relation_exists(db.url, "one"));
    }

    TEST_CASE("-q still prints an error, once") {
        OneTable db;
        db.project.add({"b9b8c7d6e5f4", "pre", "broken", "SELECT 1/0;\n", "SELECT 1;\n"});
        ProcessResult failed = db.run(db.url, {"-q", "upgrade", "pre@head"});
        CHECK(failed.exit_code == 1);
        CHECK(failed.output.empty());
        CHECK(failed.errors.rfind("ecluse: error: upgrade of b9b8c7d6e5f4 (pre, broken) failed at ",
                                  0) == 0);
        CHECK(contains(failed.errors, "22012 division by zero"));
    }

} // TEST_SUITE
