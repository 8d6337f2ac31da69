// `upgrade --sql` and `downgrade --sql` end to end: the script that ecluse
// prints, run by psql on one database, must leave it exactly as the online
// command leaves another: the same schema (`pg_dump --schema-only`) and the
// same bookkeeping, apart from what must differ (times, durations, and the
// log's note that the script came from --sql).

#include "tests/e2e/database_support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using ecluse::ProcessOptions;
using ecluse::ProcessResult;
using ecluse::run_process;
using namespace ecluse::test;

namespace {

const char* const k_bindir = "/usr/lib/postgresql/15/bin/";

// The example application of the repository, copied into a temporary folder.
class ExampleProject {
public:
    ExampleProject() {
        fs::copy(source_root() / "migrations", root() / "migrations", fs::copy_options::recursive);
        fs::copy(source_root() / "alembic_version_conflict_detection.txt", root());
    }
    const fs::path& root() const { return m_dir.path(); }

    ProcessResult run(const std::string& url, std::vector<std::string> args) const {
        if (!url.empty()) {
            args.insert(args.begin(), {"-d", url});
        }
        return run_ecluse(root(), args);
    }

    // Writes `script` to a file and runs it with psql as the documentation says.
    void run_script(const std::string& url, const std::string& script) const {
        fs::path file = m_dir.path() / "script.sql";
        write(file, script);
        ProcessResult result = run_process({std::string(k_bindir) + "psql", "-X", "-q", "-v",
                                            "ON_ERROR_STOP=1", "-d", url, "-f", file.string()});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
    }

private:
    TempDir m_dir;
};

// The schema of a database as pg_dump prints it, without the comment lines
// that name the dump's own versions, and the random key of the
// \restrict / \unrestrict lines that recent pg_dump writes.
std::string schema_dump(const std::string& url) {
    ProcessResult result =
        run_process({std::string(k_bindir) + "pg_dump", "--schema-only", "--no-owner", "-d", url});
    REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
    std::string out;
    std::size_t start = 0;
    while (start < result.output.size()) {
        std::size_t end = result.output.find('\n', start);
        end = end == std::string::npos ? result.output.size() : end + 1;
        std::string line = result.output.substr(start, end - start);
        if (line.rfind("-- Dumped ", 0) != 0 && line.rfind("\\restrict ", 0) != 0 &&
            line.rfind("\\unrestrict ", 0) != 0) {
            out += line;
        }
        start = end;
    }
    return out;
}

// Every bookkeeping row except the columns that differ from run to run
// (applied_at, duration_ms) and the log's detail, which says `--sql`. The
// log is sorted by revision: `heads` may interleave the branches where
// `pre@head` then `post@head` does not.
std::string bookkeeping(const std::string& url) {
    std::string revisions =
        psql(url, "SELECT revision, branch, down_revision, depends_on, checksum, message, path, "
                  "applied_by, ecluse_version, downgrade_sql, transaction_mode, stamped "
                  "FROM ecluse.applied_revision ORDER BY revision");
    std::string log = psql(url, "SELECT action, revision, outcome, applied_by, ecluse_version "
                                "FROM ecluse.event_log ORDER BY revision, event_id");
    std::string version = psql(url, "SELECT version FROM ecluse.ledger_version");
    return "applied_revision:\n" + revisions + "\nevent_log:\n" + log +
           "\nledger_version: " + version + "\n";
}

} // namespace

TEST_SUITE("--sql scripts") {

    TEST_CASE("upgrade heads --sql from an empty database, run by psql, gives the schema and "
              "bookkeeping of the online upgrade") {
        ExampleProject project;
        std::string online = create_database();
        std::string offline = create_database();

        ProcessResult script = project.run(offline, {"upgrade", "heads", "--sql"});
        REQUIRE_MESSAGE(script.exit_code == 0, script.errors);
        CHECK(contains(script.output, "(12 revisions)"));
        // Printing the script changes nothing in the database.
        CHECK(ledger_rows(offline) == 0);
        project.run_script(offline, script.output);

        for (const char* target : {"pre@head", "post@head"}) {
            ProcessResult up = project.run(online, {"upgrade", target});
            REQUIRE_MESSAGE(up.exit_code == 0, up.errors);
        }

        std::string dump = schema_dump(online);
        CHECK(contains(dump, "CREATE TABLE public.bookings"));
        CHECK(contains(dump, "CREATE TABLE ecluse.applied_revision"));
        CHECK(schema_dump(offline) == dump);
        CHECK(ledger_rows(online) == 12);
        CHECK(bookkeeping(offline) == bookkeeping(online));
        CHECK(psql(offline, "SELECT count(*) FROM ecluse.event_log WHERE detail = '--sql'") ==
              "12");

        // Both databases now say that there is nothing left to do.
        ProcessResult again = project.run(offline, {"upgrade", "heads"});
        CHECK_MESSAGE(again.exit_code == 0, again.errors);
        CHECK(contains(again.output, "nothing to do: "));
    }

    TEST_CASE("the offline range form base:heads needs no database and gives the same end "
              "state") {
        ExampleProject project;
        std::string online = create_database();
        std::string offline = create_database();

        // No database: a URL that cannot connect proves none is used.
        ProcessResult script = project.run("postgresql:///no_such_db?host=/nonexistent",
                                           {"upgrade", "base:heads", "--sql"});
        REQUIRE_MESSAGE(script.exit_code == 0, script.errors);
        project.run_script(offline, script.output);
        REQUIRE(project.run(online, {"upgrade", "pre@head"}).exit_code == 0);
        REQUIRE(project.run(online, {"upgrade", "post@head"}).exit_code == 0);

        CHECK(schema_dump(offline) == schema_dump(online));
        CHECK(bookkeeping(offline) == bookkeeping(online));
    }

    TEST_CASE("a script or a list that cannot be written is a failure, not a truncated "
              "success") {
        ExampleProject project;
        ProcessOptions options;
        options.working_directory = project.root();
        options.extra_environment = {{"ECLUSE", std::getenv("ECLUSE_BIN")}};
        for (const char* command :
             {"\"$ECLUSE\" upgrade base:heads --sql > /dev/full", "\"$ECLUSE\" heads > /dev/full",
              "\"$ECLUSE\" --format json heads > /dev/full"}) {
            CAPTURE(command);
            ProcessResult result = run_process({"sh", "-c", command}, options);
            CHECK(result.exit_code == 1);
            CHECK_MESSAGE(contains(result.errors, "ecluse: error: cannot write to standard "
                                                  "output: No space left on device"),
                          result.errors);
        }
        // Written in full, the same commands succeed.
        ProcessResult fine = run_process({"sh", "-c", "\"$ECLUSE\" heads > /dev/null"}, options);
        CHECK_MESSAGE(fine.exit_code == 0, fine.errors);
    }

    TEST_CASE("upgrade FROM:TO --sql takes either side left out, as documented; a range without "
              "--sql says what ranges are for") {
        ExampleProject project;
        ProcessResult open_end = project.run("", {"upgrade", "45b1cb474d4b:", "--sql"});
        REQUIRE_MESSAGE(open_end.exit_code == 0, open_end.errors);
        ProcessResult to_heads = project.run("", {"upgrade", "45b1cb474d4b:heads", "--sql"});
        REQUIRE_MESSAGE(to_heads.exit_code == 0, to_heads.errors);
        CHECK(contains(open_end.output, "-- ecluse upgrade 45b1cb474d4b: (9 revisions)"));
        CHECK(open_end.output.substr(open_end.output.find('\n')) ==
              to_heads.output.substr(to_heads.output.find('\n')));
        ProcessResult open_start = project.run("", {"upgrade", ":pre@head", "--sql"});
        REQUIRE_MESSAGE(open_start.exit_code == 0, open_start.errors);
        CHECK(contains(open_start.output, "(7 revisions)"));

        std::string url = create_database();
        ProcessResult online = project.run(url, {"upgrade", "base:heads"});
        CHECK(online.exit_code == 2);
        CHECK_MESSAGE(contains(online.errors, "a range FROM:TO is for `--sql` and `history`"),
                      online.errors);
        CHECK(ledger_rows(url) == 0);
    }

    TEST_CASE("a range from the pre head continues a database that has pre applied") {
        ExampleProject project;
        std::string online = create_database();
        std::string offline = create_database();
        for (const std::string& url : {online, offline}) {
            REQUIRE(project.run(url, {"upgrade", "pre@head"}).exit_code == 0);
        }
        ProcessResult script = project.run("", {"upgrade", "pre@head:post@head", "--sql"});
        REQUIRE_MESSAGE(script.exit_code == 0, script.errors);
        CHECK(contains(script.output, "(5 revisions)"));
        project.run_script(offline, script.output);
        REQUIRE(project.run(online, {"upgrade", "post@head"}).exit_code == 0);

        CHECK(schema_dump(offline) == schema_dump(online));
        CHECK(bookkeeping(offline) == bookkeeping(online));
    }

    TEST_CASE("downgrade base --sql, run by psql, undoes what the online downgrade undoes") {
        ExampleProject project;
        std::string online = create_database();
        std::string offline = create_database();
        for (const std::string& url : {online, offline}) {
            REQUIRE(project.run(url, {"upgrade", "heads"}).exit_code == 0);
        }
        ProcessResult script = project.run(offline, {"downgrade", "base", "--sql"});
        REQUIRE_MESSAGE(script.exit_code == 0, script.errors);
        CHECK(contains(script.output, "(12 revisions)"));
        project.run_script(offline, script.output);
        ProcessResult down = project.run(online, {"downgrade", "base"});
        REQUIRE_MESSAGE(down.exit_code == 0, down.errors);

        std::string dump = schema_dump(online);
        CHECK_FALSE(contains(dump, "CREATE TABLE public."));
        CHECK(schema_dump(offline) == dump);
        CHECK(ledger_rows(offline) == 0);
        CHECK(bookkeeping(offline) == bookkeeping(online));
    }

} // TEST_SUITE

TEST_SUITE("names and headers in scripts") {

    TEST_CASE("a revision file name holding a newline and a psql command is refused, and never "
              "runs under psql") {
        Project project;
        fs::path added = project.add(
            {"aaaa00000001", "pre", "create t", "CREATE TABLE t ();\n", "DROP TABLE t;\n"});
        fs::path evil = added.parent_path() / "x\n\\! touch PWNED\n.sql";
        fs::rename(added, evil);
        std::string url = create_database();

        ProcessResult check = run_ecluse(project.root(), {"check"});
        CHECK(check.exit_code == 2);
        CHECK_MESSAGE(contains(check.errors,
                               "migrations/pre/x\\n\\\\! touch PWNED\\n.sql: the file "
                               "name holds a control character"),
                      check.errors);
        CHECK_FALSE(contains(check.errors, "\n\\! touch"));

        for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
                 {"upgrade", "heads", "--sql"}, {"upgrade", "base:heads", "--sql"}}) {
            ProcessResult script = run_on(project.root(), url, args);
            CHECK_MESSAGE(script.exit_code == 2, args[1]);
            if (script.output.empty()) {
                continue;
            }
            // Whatever was printed, psql must not run a command from it.
            TempDir where;
            write(where.path() / "script.sql", script.output);
            ProcessOptions options;
            options.working_directory = where.path();
            run_process({std::string(k_bindir) + "psql", "-X", "-q", "-d", url, "-f",
                         (where.path() / "script.sql").string()},
                        options);
            CHECK_FALSE(fs::exists(where.path() / "PWNED"));
        }
    }

    TEST_CASE("a header value with a control character or bytes that are not UTF-8 is refused "
              "at its line") {
        Project project;
        fs::path added = project.add(
            {"aaaa00000001", "pre", "create t", "CREATE TABLE t ();\n", "DROP TABLE t;\n"});
        std::string content = read(added);
        std::string name = added.filename().string();
        std::string url = create_database();
        for (const auto& [value, what] : std::vector<std::pair<std::string, std::string>>{
                 {"create\x1bt", "a control character"},
                 {std::string("create\0t", 8), "a control character"},
                 {"caf\xe9", "bytes that are not UTF-8"}}) {
            std::string changed = content;
            changed.replace(changed.find("create t"), 8, value);
            write(added, changed);
            for (const std::string command : {"check", "history", "status"}) {
                ProcessResult result = run_on(project.root(), url, {command});
                CHECK_MESSAGE(result.exit_code == 2, command);
                CHECK_MESSAGE(contains(result.errors,
                                       "migrations/pre/" + name + ":3: `message` holds " + what),
                              result.errors);
            }
        }
    }

} // TEST_SUITE
