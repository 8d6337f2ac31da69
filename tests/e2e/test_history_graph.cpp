// `history --graph` and `--format mermaid`: both branches drawn from a real
// project, and each revision's state in a real database.

#include "tests/e2e/database_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>

using namespace ecluse;
using namespace ecluse::test;
namespace fs = std::filesystem;

namespace {

// pre: create users, add users email; post: drop users name, which
// depends on the email column.
void write_users(Project& project) {
    project.add({"aaaaaaaaaaa1", "pre", "create users", "CREATE TABLE users (id int, name text);\n",
                 "DROP TABLE users;\n"});
    project.add({"aaaaaaaaaaa2", "pre", "add users email",
                 "ALTER TABLE users ADD COLUMN email text;\n",
                 "ALTER TABLE users DROP COLUMN email;\n"});
    project.add({"bbbbbbbbbbb1",
                 "post",
                 "drop users name",
                 "ALTER TABLE users DROP COLUMN name;\n",
                 "ALTER TABLE users ADD COLUMN name text;\n",
                 {"aaaaaaaaaaa2"}});
}

} // namespace

TEST_SUITE("history_graph") {

    TEST_CASE("history --graph draws both branches, heads and depends_on, newest first") {
        Project project;
        write_users(project);
        ProcessResult result = run_ecluse(project.root(), {"history", "--graph"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(result.output ==
              "  *  bbbbbbbbbbb1 (post) (head), drop users name  \u2190 depends on pre "
              "aaaaaaaaaaa2\n"
              "*    aaaaaaaaaaa2 (pre) (head), add users email\n"
              "*    aaaaaaaaaaa1 (pre), create users\n");
        CHECK(result.errors.empty());
    }

    TEST_CASE("two heads in a branch are drawn as two lanes joined at their branchpoint") {
        Project project;
        project.add({"ddddddddddd1", "pre", "one", "SELECT 1;\n"});
        project.add({"ddddddddddd2", "pre", "two", "SELECT 2;\n"});
        // A second line of work on ddddddddddd1, as a git merge leaves it.
        write(project.root() / "migrations" / "pre" / "20260101T000009_ddddddddddd3_three.sql",
              Project::render({"ddddddddddd3", "pre", "three", "SELECT 3;\n"}, "ddddddddddd1"));
        ProcessResult result = run_ecluse(project.root(), {"history", "--graph"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(result.output == "*    ddddddddddd3 (pre) (head), three\n"
                               "| *  ddddddddddd2 (pre) (head), two\n"
                               "|/\n"
                               "*    ddddddddddd1 (pre) (branchpoint), one\n");
        CHECK(contains(result.errors, "warning: "));
        CHECK(contains(result.errors, "ecluse rebase"));
    }

    TEST_CASE("three lines of work on one revision join it a column a line, as git draws it") {
        Project project;
        project.add({"abcdefabcde1", "pre", "one", "SELECT 1;\n"});
        for (const char* id : {"abcdefabcde2", "abcdefabcde3", "abcdefabcde4"}) {
            write(project.root() / "migrations" / "pre" /
                      ("20260102T000000_" + std::string(id) + "_x.sql"),
                  Project::render({id, "pre", std::string("line ") + id, "SELECT 2;\n"},
                                  "abcdefabcde1"));
        }
        ProcessResult result = run_ecluse(project.root(), {"history", "--graph"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(result.output == "*      abcdefabcde4 (pre) (head), line abcdefabcde4\n"
                               "| *    abcdefabcde3 (pre) (head), line abcdefabcde3\n"
                               "| | *  abcdefabcde2 (pre) (head), line abcdefabcde2\n"
                               "|/ /\n"
                               "|/\n"
                               "*      abcdefabcde1 (pre) (branchpoint), one\n");
    }

    TEST_CASE("--format mermaid prints the graph as a flowchart, before or after the command") {
        Project project;
        write_users(project);
        const std::string expected =
            "flowchart TB\n"
            "  subgraph pre_branch [\"pre\"]\n"
            "    r_aaaaaaaaaaa2[\"aaaaaaaaaaa2 (pre) (head)<br/>add users email\"]\n"
            "    r_aaaaaaaaaaa1[\"aaaaaaaaaaa1 (pre)<br/>create users\"]\n"
            "  end\n"
            "  subgraph post_branch [\"post\"]\n"
            "    r_bbbbbbbbbbb1[\"bbbbbbbbbbb1 (post) (head)<br/>drop users name\"]\n"
            "  end\n"
            "  r_bbbbbbbbbbb1 -.->|depends on| r_aaaaaaaaaaa2\n"
            "  r_aaaaaaaaaaa2 --> r_aaaaaaaaaaa1\n";
        for (const auto& args :
             {std::vector<std::string>{"--format", "mermaid", "history"},
              std::vector<std::string>{"history", "--graph", "--format", "mermaid"}}) {
            ProcessResult result = run_ecluse(project.root(), args);
            REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
            CHECK(result.output == expected);
        }
    }

    TEST_CASE("a Mermaid label escapes what Mermaid would read as syntax") {
        Project project;
        project.add({"eeeeeeeeeee1", "pre", "quote \" hash # and <b>&`x`", "SELECT 1;\n"});
        ProcessResult result = run_ecluse(project.root(), {"--format", "mermaid", "history"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(contains(result.output, "<br/>quote #34; hash #35; and #60;b#62;#38;#96;x#96;\"]\n"));
    }

    TEST_CASE("every other command refuses --format mermaid, naming history") {
        Project project;
        for (const auto& args : {std::vector<std::string>{"--format", "mermaid", "heads"},
                                 std::vector<std::string>{"status", "--format", "mermaid"},
                                 std::vector<std::string>{"check", "--format", "mermaid"}}) {
            ProcessResult result = run_ecluse(project.root(), args);
            CHECK(result.exit_code == 2);
            CHECK_MESSAGE(contains(result.errors, "the output format mermaid is only for "
                                                  "`history`"),
                          result.errors);
            CHECK(result.output.empty());
        }
    }

    TEST_CASE("--graph refuses -r and json") {
        Project project;
        write_users(project);
        ProcessResult range = run_ecluse(project.root(), {"history", "--graph", "-r", "base:"});
        CHECK(range.exit_code == 2);
        CHECK(contains(range.errors, "--graph draws every revision; -r is for the list"));
        ProcessResult json = run_ecluse(project.root(), {"history", "--graph", "--format", "json"});
        CHECK(json.exit_code == 2);
        CHECK(contains(json.errors, "--graph prints text or mermaid, not json"));
    }

    TEST_CASE("with a database, each revision is marked applied, pending or out of order") {
        Project project;
        write_users(project);
        std::string url = create_database();
        REQUIRE(run_ecluse(project.root(), {"-d", url, "upgrade", "pre@head"}).exit_code == 0);
        ProcessResult result = run_ecluse(project.root(), {"-d", url, "history", "--graph"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(result.output ==
              "  *  bbbbbbbbbbb1 (post) (head) [pending], drop users name  \u2190 depends on pre "
              "aaaaaaaaaaa2\n"
              "*    aaaaaaaaaaa2 (pre) (head) [applied], add users email\n"
              "*    aaaaaaaaaaa1 (pre) [applied], create users\n");

        ProcessResult mermaid =
            run_ecluse(project.root(), {"-d", url, "--format", "mermaid", "history"});
        REQUIRE_MESSAGE(mermaid.exit_code == 0, mermaid.errors);
        CHECK(contains(mermaid.output,
                       "r_aaaaaaaaaaa2[\"aaaaaaaaaaa2 (pre) (head) [applied]<br/>add users "
                       "email\"]\n"));
        CHECK(contains(mermaid.output, "  class r_aaaaaaaaaaa2,r_aaaaaaaaaaa1 applied\n"));
        CHECK(contains(mermaid.output, "  class r_bbbbbbbbbbb1 pending\n"));
    }

    TEST_CASE("with a database, a revision a merge put below applied ones is out of order") {
        Project project;
        project.add({"ccccccccccc1", "pre", "one", "SELECT 1;\n"});
        fs::path three = project.add({"ccccccccccc3", "pre", "three", "SELECT 3;\n"});
        std::string url = create_database();
        REQUIRE(run_ecluse(project.root(), {"-d", url, "upgrade", "heads"}).exit_code == 0);
        // Another line of work's revision lands between them.
        write(project.root() / "migrations" / "pre" / "20260101T000001_ccccccccccc2_two.sql",
              Project::render({"ccccccccccc2", "pre", "two", "SELECT 2;\n"}, "ccccccccccc1"));
        std::string text = read(three);
        text.replace(text.find("down_revision: ccccccccccc1"), 27, "down_revision: ccccccccccc2");
        write(three, text);
        ProcessResult result = run_ecluse(project.root(), {"-d", url, "history", "--graph"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(result.output == "*  ccccccccccc3 (pre) (head) [applied], three\n"
                               "*  ccccccccccc2 (pre) [out_of_order], two\n"
                               "*  ccccccccccc1 (pre) [applied], one\n");
    }

    TEST_CASE("with a database, a revision applied but gone from disk follows as an orphan") {
        Project project;
        project.add({"abababababa1", "pre", "one", "SELECT 1;\n"});
        fs::path two = project.add({"abababababa2", "pre", "two", "SELECT 2;\n"});
        std::string url = create_database();
        REQUIRE(run_ecluse(project.root(), {"-d", url, "upgrade", "heads"}).exit_code == 0);
        project.remove(two, "pre", "abababababa1");
        ProcessResult result = run_ecluse(project.root(), {"-d", url, "history", "--graph"});
        REQUIRE_MESSAGE(result.exit_code == 0, result.errors);
        CHECK(result.output == "*  abababababa1 (pre) (head) [applied], one\n"
                               "orphan abababababa2 (pre), two: applied, missing from disk\n");
        ProcessResult mermaid =
            run_ecluse(project.root(), {"-d", url, "--format", "mermaid", "history"});
        REQUIRE_MESSAGE(mermaid.exit_code == 0, mermaid.errors);
        CHECK(contains(mermaid.output,
                       "    r_abababababa2[\"abababababa2 (pre) [orphan]<br/>two\"]\n"));
        CHECK(contains(mermaid.output, "  class r_abababababa2 problem\n"));
    }

    TEST_CASE("a snapshot is drawn with what it replaces, where the deleted history ends") {
        Project project;
        fs::path first = project.add(
            {"fffffffffff1", "pre", "create t", "CREATE TABLE t (id int);\n", "DROP TABLE t;\n"});
        ProcessResult snapshot = run_ecluse(project.root(), {"snapshot"});
        REQUIRE_MESSAGE(snapshot.exit_code == 0, snapshot.errors);
        std::string name;
        for (const auto& entry :
             fs::directory_iterator(project.root() / "migrations" / "snapshot")) {
            name = entry.path().filename().string();
        }
        REQUIRE(name.ends_with("_fffffffffff1_none.sql"));
        // The node id: the file name without .sql, all letters, digits and _.
        std::string snapshot_id = name.substr(0, name.size() - 4);
        project.add(
            {"fffffffffff2", "pre", "create u", "CREATE TABLE u (id int);\n", "DROP TABLE u;\n"});
        std::string summary = ", replaces 1 pre revision up to fffffffffff1 and no post revision\n";
        ProcessResult kept = run_ecluse(project.root(), {"history", "--graph"});
        REQUIRE_MESSAGE(kept.exit_code == 0, kept.errors);
        CHECK(kept.output == "*  fffffffffff2 (pre) (head), create u\n"
                             "o  (snapshot) " +
                                 name + summary + "*  fffffffffff1 (pre), create t\n");

        project.remove(first, "pre", "fffffffffff2");
        ProcessResult deleted = run_ecluse(project.root(), {"history", "--graph"});
        REQUIRE_MESSAGE(deleted.exit_code == 0, deleted.errors);
        CHECK(deleted.output == "*  fffffffffff2 (pre) (head), create u\n"
                                "o  (snapshot) " +
                                    name + summary);
        ProcessResult mermaid = run_ecluse(project.root(), {"--format", "mermaid", "history"});
        REQUIRE_MESSAGE(mermaid.exit_code == 0, mermaid.errors);
        CHECK(contains(mermaid.output, "  snapshot_" + snapshot_id + "[(\"snapshot " + name +
                                           "<br/>replaces 1 pre revision up to fffffffffff1 and "
                                           "no post revision\")]\n"));
        CHECK(contains(mermaid.output, "  r_fffffffffff2 --> snapshot_" + snapshot_id + "\n"));
    }
}
