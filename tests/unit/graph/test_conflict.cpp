#include "graph/conflict.hpp"
#include "revision_builder.hpp"

#include <doctest/doctest.h>

using namespace ecluse;
using namespace ecluse::test;

namespace {

const std::string p1 = "aa0000000001";
const std::string p2 = "aa0000000002";
const std::string p3 = "aa0000000003";
const std::string q1 = "bb0000000001";
const std::string other = "cc0000000001";

const std::string k_path = "alembic_version_conflict_detection.txt";
const std::string k_rewrite = "run `ecluse heads --rewrite` to write it from the revisions on disk";

RevisionGraph both_branches() {
    return RevisionGraph({pre(p1, none), pre(p2, p1), post(q1, none)});
}

} // namespace

TEST_SUITE("expected_conflict_heads") {

    TEST_CASE("the heads to record are the head of each branch") {
        ConflictFileHeads heads = expected_conflict_heads(both_branches());
        CHECK(heads.pre == p2);
        CHECK(heads.post == q1);
    }

    TEST_CASE("an empty branch has no head to record") {
        ConflictFileHeads heads = expected_conflict_heads(RevisionGraph({pre(p1, none)}));
        CHECK(heads.pre == p1);
        CHECK(heads.post == std::nullopt);
        CHECK(expected_conflict_heads(RevisionGraph({})) == ConflictFileHeads{});
    }

    TEST_CASE("a branch with two heads has no single head to record") {
        ConflictFileHeads heads = expected_conflict_heads(
            RevisionGraph({pre(p1, none), pre(p2, p1), pre(p3, p1), post(q1, none)}));
        CHECK(heads.pre == std::nullopt);
        CHECK(heads.post == q1);
    }

} // TEST_SUITE

TEST_SUITE("check_conflict_file") {

    TEST_CASE("a missing file is fine while there are no revisions") {
        CHECK(check_conflict_file(RevisionGraph({}), std::nullopt, k_path).empty());
    }

    TEST_CASE("a missing file is a problem once there are revisions") {
        auto problems = check_conflict_file(both_branches(), std::nullopt, k_path);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].location.file == k_path);
        CHECK(problems[0].location.line == 0);
        CHECK(problems[0].message == "the conflict-detection file is missing");
        CHECK(problems[0].hint == k_rewrite);
        CHECK_FALSE(problems[0].bad_input);
    }

    TEST_CASE("a file that records exactly the heads passes") {
        std::string content = p2 + " (pre) (head)\n" + q1 + " (post) (head)\n";
        CHECK(check_conflict_file(both_branches(), content, k_path).empty());
    }

    TEST_CASE("an empty branch has no line") {
        RevisionGraph graph({pre(p1, none), pre(p2, p1)});
        CHECK(check_conflict_file(graph, p2 + " (pre) (head)\n", k_path).empty());
        CHECK(check_conflict_file(RevisionGraph({}), "", k_path).empty());

        auto problems =
            check_conflict_file(graph, p2 + " (pre) (head)\n" + q1 + " (post) (head)\n", k_path);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].message ==
              "the file does not match the heads on disk: post head is (none), the file says " +
                  q1);
    }

    TEST_CASE("a file with git conflict markers is refused and the hint says rebase") {
        std::string content = "<<<<<<< HEAD\n" + p2 + " (pre) (head)\n=======\n" + p3 +
                              " (pre) (head)\n>>>>>>> theirs\n" + q1 + " (post) (head)\n";
        auto problems = check_conflict_file(both_branches(), content, k_path);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].location.to_string() == k_path + ":1");
        CHECK(problems[0].message ==
              "git conflict markers: two lines of work each added a revision");
        CHECK(problems[0].hint ==
              "run `ecluse rebase` to re-chain this work's revisions onto the other "
              "side's heads and rewrite the file");
    }

    TEST_CASE("a head that differs from the graph names both heads and the command that fixes it") {
        std::string content = other + " (pre) (head)\n" + q1 + " (post) (head)\n";
        auto problems = check_conflict_file(both_branches(), content, k_path);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].location.to_string() == k_path + ":1");
        CHECK(problems[0].message == "the file does not match the heads on disk: pre head is " +
                                         p2 + ", the file says " + other);
        CHECK(problems[0].hint == k_rewrite);
        CHECK(problems[0].hint.find("ecluse heads --rewrite") != std::string::npos);
    }

    TEST_CASE("a mismatch in both branches names both") {
        std::string content = p1 + " (pre) (head)\n" + other + " (post) (head)\n";
        auto problems = check_conflict_file(both_branches(), content, k_path);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].message == "the file does not match the heads on disk: pre head is " +
                                         p2 + ", the file says " + p1 + "; post head is " + q1 +
                                         ", the file says " + other);
    }

    TEST_CASE("a file that misses a branch's line says so") {
        auto problems = check_conflict_file(both_branches(), p2 + " (pre) (head)\n", k_path);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].message == "the file does not match the heads on disk: post head is " +
                                         q1 + ", the file says (none)");
        CHECK(check_conflict_file(both_branches(), "", k_path).size() == 1);
    }

    TEST_CASE("the right heads written differently are still refused") {
        std::string content = p2 + " (pre) (head)\r\n" + q1 + " (post) (head)\r\n";
        auto problems = check_conflict_file(both_branches(), content, k_path);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].location.to_string() == k_path + ":1");
        CHECK(
            problems[0].message ==
            "a line ends with a carriage return (CR LF or CR): the file's lines end with LF only");
        CHECK(problems[0].hint == k_rewrite);
    }

    TEST_CASE("a malformed line is reported with its line") {
        std::string content = p2 + " (pre) (head)\n" + q1 + " (post)\n";
        auto problems = check_conflict_file(both_branches(), content, k_path);
        REQUIRE(problems.size() == 1);
        CHECK(problems[0].location.to_string() == k_path + ":2");
        CHECK(problems[0].message ==
              "expected `<revision> (pre) (head)` or `<revision> (post) (head)`, found \"" + q1 +
                  " (post)\"");
    }

    TEST_CASE("a graph without known heads leaves the file to the graph's own problems") {
        std::string content = p1 + " (pre) (head)\n" + q1 + " (post) (head)\n";
        // A cycle in pre: pre has no head at all.
        RevisionGraph cycle({pre(p1, p2), pre(p2, p1), post(q1, none)});
        REQUIRE_FALSE(cycle.valid());
        REQUIRE(cycle.heads(Branch::pre).empty());
        CHECK(check_conflict_file(cycle, content, k_path).empty());
        // The same id in both branches: the post copy is no head.
        RevisionGraph duplicate({pre(p1, none), post(q1, none), post(p1, q1)});
        REQUIRE_FALSE(duplicate.valid());
        CHECK(check_conflict_file(duplicate, content, k_path).empty());
        // Conflict markers are still reported.
        CHECK(check_conflict_file(cycle, "<<<<<<< HEAD\n", k_path).size() == 1);
    }

    TEST_CASE("with two heads in a branch the file is left to the graph's own problem") {
        RevisionGraph graph({pre(p1, none), pre(p2, p1), pre(p3, p1), post(q1, none)});
        REQUIRE_FALSE(graph.valid());
        std::string content = p2 + " (pre) (head)\n" + q1 + " (post) (head)\n";
        CHECK(check_conflict_file(graph, content, k_path).empty());
    }

} // TEST_SUITE
