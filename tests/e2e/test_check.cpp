// `ecluse check`, offline: every malformed input gives exit 1 or 2 with
// the file and line, never a crash.

#include "tests/support/e2e.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

using namespace ecluse::test;

namespace {

std::string revision(const std::string& id, const std::string& parent,
                     const std::string& extra = "", const std::string& upgrade = "SELECT 1;\n") {
    return "-- revision: " + id + "\n-- down_revision: " + parent + "\n" + extra +
           "-- message: m\n-- created: 2026-11-22T14:30:00Z\n\n-- ecluse:upgrade\n" + upgrade +
           "\n-- ecluse:downgrade\nSELECT 2;\n";
}

struct Project {
    TempDir dir;
    Project() { REQUIRE(run_ecluse(dir.path(), {"init", "--no-hook"}).exit_code == 0); }
    void add(const std::string& branch, const std::string& name, const std::string& content) {
        write(dir.path() / "migrations" / branch / name, content);
    }
    // Writes the conflict file from the heads, as the hook would.
    void sync() { REQUIRE(run_ecluse(dir.path(), {"heads", "--rewrite"}).exit_code == 0); }
    ecluse::ProcessResult check() { return run_ecluse(dir.path(), {"check"}); }
};

void expect(const ecluse::ProcessResult& result, int exit_code, const std::string& text) {
    CHECK(result.exit_code == exit_code);
    CHECK_MESSAGE(result.errors.find(text) != std::string::npos, result.errors);
}

} // namespace

TEST_SUITE("check") {

    TEST_CASE("a valid project passes and names its heads") {
        Project p;
        p.add("pre", "1_a.sql", revision("aaaaaaaaaaa1", "none"));
        p.add("pre", "2_a.sql", revision("aaaaaaaaaaa2", "aaaaaaaaaaa1"));
        p.add("post", "1_b.sql", revision("bbbbbbbbbbb1", "none", "-- depends_on: aaaaaaaaaaa2\n"));
        p.sync();
        auto result = p.check();
        CHECK(result.exit_code == 0);
        CHECK(result.output ==
              "check passed: 3 revisions, pre head aaaaaaaaaaa2, post head bbbbbbbbbbb1, "
              "alembic_version_conflict_detection.txt up to date\n");
    }

    TEST_CASE("malformed revision files are bad input: exit 2 with file:line") {
        struct Case {
            const char* name;
            std::string content;
            std::string expected;
        };
        std::vector<Case> cases = {
            {"missing key", "-- revision: aaaaaaaaaaa1\n-- message: m\n\n-- ecluse:upgrade\n",
             "bad.sql:2: the header has no `down_revision` key"},
            {"repeated key",
             "-- revision: aaaaaaaaaaa1\n-- down_revision: none\n-- revision: aaaaaaaaaaa1\n\n-- "
             "ecluse:upgrade\n",
             "bad.sql:3: header key `revision` appears twice"},
            {"unknown key", revision("aaaaaaaaaaa1", "none", "-- depend_on: bbbbbbbbbbb1\n"),
             "bad.sql:3: unknown header key `depend_on`"},
            {"bad id", revision("AAAAAAAAAAA1", "none"),
             "bad.sql:1: `revision` must be 12 lowercase hex characters, found \"AAAAAAAAAAA1\""},
            {"short id", revision("aaaa", "none"),
             "bad.sql:1: `revision` must be 12 lowercase hex"},
            {"no colon", "-- revision aaaaaaaaaaa1\n",
             "bad.sql:1: expected `-- key: value` in the header"},
            {"no upgrade", "-- revision: aaaaaaaaaaa1\n-- down_revision: none\n\nSELECT 1;\n",
             "bad.sql:4: SQL before the `-- ecluse:upgrade` marker"},
            {"syntax", revision("aaaaaaaaaaa1", "none", "", "SELECT 1;\nSELEC 2;\n"),
             "bad.sql:8:1: syntax error at or near \"SELEC\""},
            {"meta-command", revision("aaaaaaaaaaa1", "none", "", "\\i other.sql\n"),
             "bad.sql:7:1: psql meta-command `\\i` is not supported"},
            {"copy without end", revision("aaaaaaaaaaa1", "none", "", "COPY t FROM stdin;\n1\n"),
             "bad.sql:7:1: the data of this `COPY ... FROM stdin` has no terminating `\\.` line"},
        };
        for (const auto& c : cases) {
            CAPTURE(c.name);
            Project p;
            p.add("pre", "bad.sql", c.content);
            auto result = p.check();
            expect(result, 2, "migrations/pre/" + c.expected);
        }
    }

    TEST_CASE("a .sql file outside migrations/pre and migrations/post is bad input") {
        Project p;
        p.add("pre", "ok.sql", revision("aaaaaaaaaaa1", "none"));
        write(p.dir.path() / "migrations/feature/x.sql", revision("aaaaaaaaaaa2", "none"));
        write(p.dir.path() / "migrations/y.sql", revision("aaaaaaaaaaa3", "none"));
        auto result = p.check();
        expect(result, 2,
               "migrations/feature/x.sql: a .sql file outside migrations/pre and migrations/post");
        expect(result, 2, "migrations/y.sql: a .sql file outside");
    }

    TEST_CASE("graph problems fail the check: exit 1 naming files, lines and revisions") {
        SUBCASE("two heads in a branch") {
            Project p;
            p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "none"));
            p.add("pre", "2.sql", revision("aaaaaaaaaaa2", "aaaaaaaaaaa1"));
            p.add("pre", "3.sql", revision("aaaaaaaaaaa3", "aaaaaaaaaaa1"));
            expect(p.check(), 1,
                   "migrations/pre/3.sql:2: pre has 2 heads: aaaaaaaaaaa2 (migrations/pre/2.sql), "
                   "aaaaaaaaaaa3 (migrations/pre/3.sql); each revises aaaaaaaaaaa1");
        }
        SUBCASE("a cycle") {
            Project p;
            p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "aaaaaaaaaaa2"));
            p.add("pre", "2.sql", revision("aaaaaaaaaaa2", "aaaaaaaaaaa1"));
            expect(p.check(), 1, "cycle: ");
            expect(p.check(), 1, "(each revises or depends on the next)");
        }
        SUBCASE("an unknown parent") {
            Project p;
            p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "cccccccccccc"));
            expect(p.check(), 1,
                   "migrations/pre/1.sql:2: down_revision cccccccccccc is not a known revision");
        }
        SUBCASE("a parent in the other branch") {
            Project p;
            p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "none"));
            p.add("post", "1.sql", revision("bbbbbbbbbbb1", "aaaaaaaaaaa1"));
            expect(p.check(), 1,
                   "migrations/post/1.sql:2: down_revision aaaaaaaaaaa1 is in pre "
                   "(migrations/pre/1.sql), "
                   "but this revision is in post");
        }
        SUBCASE("a duplicate id") {
            Project p;
            p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "none"));
            p.add("post", "1.sql", revision("aaaaaaaaaaa1", "none"));
            expect(p.check(), 1, "revision aaaaaaaaaaa1 is also defined in");
        }
        SUBCASE("an unknown dependency") {
            Project p;
            p.add("post", "1.sql",
                  revision("bbbbbbbbbbb1", "none", "-- depends_on: aaaaaaaaaaa9\n"));
            expect(p.check(), 1,
                   "migrations/post/1.sql:3: depends_on names aaaaaaaaaaa9, which is not a known "
                   "revision");
        }
    }

    TEST_CASE("the conflict file must match the heads and hold no conflict markers") {
        Project p;
        p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "none"));
        p.add("pre", "2.sql", revision("aaaaaaaaaaa2", "aaaaaaaaaaa1"));
        auto conflict = p.dir.path() / "alembic_version_conflict_detection.txt";

        expect(p.check(), 1,
               "the file does not match the heads on disk: pre head is aaaaaaaaaaa2, the file says "
               "(none)");
        write(conflict, "aaaaaaaaaaa1 (pre) (head)\n");
        expect(p.check(), 1, "pre head is aaaaaaaaaaa2, the file says aaaaaaaaaaa1");
        expect(p.check(), 1, "ecluse heads --rewrite");
        write(conflict, "<<<<<<< HEAD\naaaaaaaaaaa2 (pre) (head)\n=======\naaaaaaaaaaa3 (pre) "
                        "(head)\n>>>>>>> other\n");
        expect(p.check(), 1, "alembic_version_conflict_detection.txt:1: git conflict markers");
        expect(p.check(), 1, "ecluse rebase");
        write(conflict, "aaaaaaaaaaa2 (pre) (head)");
        expect(p.check(), 1, "the last line has no line ending");
        std::filesystem::remove(conflict);
        expect(p.check(), 1, "the conflict-detection file is missing");
        p.sync();
        CHECK(read(conflict) == "aaaaaaaaaaa2 (pre) (head)\n");
        CHECK(p.check().exit_code == 0);
    }

    TEST_CASE("check --format json lists every problem with its place") {
        Project p;
        p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "none"));
        p.add("pre", "2.sql", revision("aaaaaaaaaaa2", "none"));
        auto result = run_ecluse(p.dir.path(), {"check", "--format", "json"});
        CHECK(result.exit_code == 1);
        auto json = nlohmann::json::parse(result.output);
        CHECK(json["ok"] == false);
        CHECK(json["revisions"] == 2);
        REQUIRE(json["problems"].size() >= 1);
        CHECK(json["problems"][0]["file"] == "migrations/pre/2.sql");
        CHECK(json["problems"][0]["line"] == 2);
        CHECK(json["problems"][0]["kind"] == "check");
    }

    TEST_CASE("several malformed files are all reported at once") {
        Project p;
        p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "none", "-- colour: blue\n"));
        p.add("post", "1.sql", revision("bbbbbbbbbbb1", "none", "-- transaction: sometimes\n"));
        auto result = p.check();
        expect(result, 2, "migrations/pre/1.sql:3: unknown header key `colour`");
        expect(result, 2,
               "migrations/post/1.sql:3: `transaction` must be `per-migration` or `none`");
    }

} // TEST_SUITE

namespace {

// `ecluse ARGS` stopped with SIGKILL after `seconds`: a command that hangs
// fails the test (exit 137) instead of hanging it.
ecluse::ProcessResult run_within(const std::filesystem::path& cwd,
                                 const std::vector<std::string>& args, int seconds = 20) {
    std::vector<std::string> argv = {"timeout", "-s", "KILL", std::to_string(seconds),
                                     std::getenv("ECLUSE_BIN")};
    argv.insert(argv.end(), args.begin(), args.end());
    ecluse::ProcessOptions options;
    options.working_directory = cwd;
    return ecluse::run_process(argv, options);
}

} // namespace

TEST_SUITE("files that are not regular files") {

    TEST_CASE("a FIFO named like a revision file is refused at once, naming it") {
        Project p;
        p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "none"));
        p.sync();
        auto fifo = p.dir.path() / "migrations/pre/x.sql";
        REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
        for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
                 {"check"}, {"history"}, {"upgrade", "--sql", "heads"}}) {
            auto result = run_within(p.dir.path(), args);
            CHECK_MESSAGE(result.exit_code == 2, args[0]);
            CHECK_MESSAGE(result.errors.find("migrations/pre/x.sql") != std::string::npos,
                          result.errors);
            CHECK_MESSAGE(result.errors.find("not a regular file") != std::string::npos,
                          result.errors);
        }
    }

    TEST_CASE("a FIFO as the conflict file or as ecluse.toml is refused at once, naming it") {
        for (const char* name : {"alembic_version_conflict_detection.txt", "ecluse.toml"}) {
            Project p;
            p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "none"));
            p.sync();
            auto fifo = p.dir.path() / name;
            std::filesystem::remove(fifo);
            REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
            auto result = run_within(p.dir.path(), {"check"});
            CHECK_MESSAGE(result.exit_code == 2, std::string(name));
            CHECK_MESSAGE(result.errors.find(std::string(name) + ": not a regular file") !=
                              std::string::npos,
                          result.errors);
        }
    }

    TEST_CASE("a symbolic link to /dev/zero is refused; one to a regular file is read") {
        Project p;
        p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "none"));
        TempDir elsewhere;
        write(elsewhere.path() / "2.sql", revision("aaaaaaaaaaa2", "aaaaaaaaaaa1"));
        std::filesystem::create_symlink(elsewhere.path() / "2.sql",
                                        p.dir.path() / "migrations/pre/2.sql");
        p.sync();
        auto linked = p.check();
        CHECK_MESSAGE(linked.exit_code == 0, linked.errors);

        std::filesystem::create_symlink("/dev/zero", p.dir.path() / "migrations/pre/zero.sql");
        auto result = run_within(p.dir.path(), {"check"});
        CHECK(result.exit_code == 2);
        CHECK_MESSAGE(result.errors.find("migrations/pre/zero.sql: not a regular file") !=
                          std::string::npos,
                      result.errors);
    }

    TEST_CASE("a revision file larger than 64 MiB is refused without being read") {
        Project p;
        p.add("pre", "1.sql", revision("aaaaaaaaaaa1", "none"));
        p.sync();
        auto big = p.dir.path() / "migrations/pre/big.sql";
        write(big, revision("aaaaaaaaaaa2", "aaaaaaaaaaa1"));
        std::filesystem::resize_file(big, 65ull * 1024 * 1024); // sparse
        auto result = run_within(p.dir.path(), {"check"});
        CHECK(result.exit_code == 2);
        CHECK_MESSAGE(result.errors.find("migrations/pre/big.sql: larger than 64 MiB") !=
                          std::string::npos,
                      result.errors);
    }

} // TEST_SUITE

TEST_SUITE("ecluse.toml nested too deep") {

    TEST_CASE("arrays or inline tables nested 10,000 deep are bad input at their line") {
        std::string arrays = "a = " + std::string(10000, '[') + std::string(10000, ']') + "\n";
        std::string tables = "b = ";
        for (int i = 0; i < 10000; ++i) {
            tables += "{ c = ";
        }
        tables += "1" + std::string(10000, '}') + "\n";
        for (const std::string& deep : {arrays, tables}) {
            Project p;
            write(p.dir.path() / "ecluse.toml", "# settings\n\n" + deep);
            auto result = run_within(p.dir.path(), {"check"});
            CHECK(result.exit_code == 2);
            CHECK_MESSAGE(result.errors.find("ecluse.toml:3: not valid TOML: nested deeper than") !=
                              std::string::npos,
                          result.errors);
        }
        // Brackets in strings and comments are not nesting.
        Project p;
        write(p.dir.path() / "ecluse.toml", "# " + std::string(500, '[') +
                                                "\nlock_timeout = \"5s\"\n[deploy]\nhook = '" +
                                                std::string(500, '{') + "'\n");
        auto fine = run_within(p.dir.path(), {"heads"});
        CHECK_MESSAGE(fine.exit_code == 0, fine.errors);
    }

} // TEST_SUITE
