#include "graph/revision_graph.hpp"
#include "revision_builder.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

using namespace ecluse;
using namespace ecluse::test;

namespace {

const std::string p1 = "aa0000000001";
const std::string p2 = "aa0000000002";
const std::string p3 = "aa0000000003";
const std::string p4 = "aa0000000004";
const std::string p5 = "aa0000000005";
const std::string q1 = "bb0000000001";
const std::string q2 = "bb0000000002";
const std::string unknown = "ffffffffffff";

std::string described(Branch branch, const std::string& id) {
    return id + " (" + path_of(branch, id) + ")";
}

const std::string k_rebase_advice =
    "two lines of work each added a revision: after a git merge or rebase run `ecluse rebase`; "
    "otherwise `ecluse rebase ";

} // namespace

TEST_SUITE("RevisionGraph") {

    TEST_CASE("a valid graph has one head per branch and each chain from base to head") {
        RevisionGraph graph(
            {pre(p1, none), pre(p2, p1), pre(p3, p2), post(q1, none), post(q2, q1)});

        CHECK(graph.valid());
        CHECK(graph.problems().empty());
        CHECK_NOTHROW(graph.require_valid());
        CHECK(graph.size() == 5);
        CHECK(ids(graph.heads(Branch::pre)) == std::vector{p3});
        CHECK(ids(graph.heads(Branch::post)) == std::vector{q2});
        CHECK(graph.head(Branch::pre) == p3);
        CHECK(graph.head(Branch::post) == q2);
        CHECK(ids(graph.chain(Branch::pre)) == std::vector{p1, p2, p3});
        CHECK(ids(graph.chain(Branch::post)) == std::vector{q1, q2});
    }

    TEST_CASE("the chain follows down_revision whatever order the files come in") {
        RevisionGraph graph(
            {pre(p3, p2), post(q2, q1), pre(p1, none), post(q1, none), pre(p2, p1)});

        REQUIRE(graph.valid());
        CHECK(ids(graph.chain(Branch::pre)) == std::vector{p1, p2, p3});
        CHECK(ids(graph.chain(Branch::post)) == std::vector{q1, q2});
        CHECK(graph.position_in_chain(*graph.find(p1)) == 0);
        CHECK(graph.position_in_chain(*graph.find(p2)) == 1);
        CHECK(graph.position_in_chain(*graph.find(p3)) == 2);
        CHECK(graph.position_in_chain(*graph.find(q1)) == 0);
        CHECK(graph.position_in_chain(*graph.find(q2)) == 1);
    }

    TEST_CASE("an empty graph is valid and has neither heads nor chains") {
        RevisionGraph graph({});

        CHECK(graph.valid());
        CHECK(graph.size() == 0);
        CHECK(graph.heads(Branch::pre).empty());
        CHECK(graph.head(Branch::pre) == std::nullopt);
        CHECK(graph.head(Branch::post) == std::nullopt);
        CHECK(graph.chain(Branch::post).empty());
        CHECK(graph.topological_order().empty());
    }

    TEST_CASE("a branch without revisions has no head while the other has one") {
        RevisionGraph graph({pre(p1, none), pre(p2, p1)});

        REQUIRE(graph.valid());
        CHECK(graph.head(Branch::pre) == p2);
        CHECK(graph.head(Branch::post) == std::nullopt);
        CHECK(graph.heads(Branch::post).empty());
        CHECK(graph.chain(Branch::post).empty());
    }

    TEST_CASE("find takes an exact id and find_prefix every id that starts with the prefix") {
        RevisionGraph graph({pre(p1, none), pre(p2, p1), post(q1, none)});

        REQUIRE(graph.find(p2) != nullptr);
        CHECK(graph.find(p2)->path == path_of(Branch::pre, p2));
        CHECK(graph.find("aa00") == nullptr);
        CHECK(graph.find(unknown) == nullptr);
        CHECK(ids(graph.find_prefix("aa00")) == std::vector{p1, p2});
        CHECK(ids(graph.find_prefix("bb0000000001")) == std::vector{q1});
        CHECK(graph.find_prefix("cc00").empty());
    }

    TEST_CASE("topological order takes the earliest created first, then pre before post") {
        RevisionGraph graph(
            {post(q1, none, "2026-01-02T00:00:00Z"), pre(p2, p1, "2026-01-03T00:00:00Z"),
             pre(p1, none, "2026-01-01T00:00:00Z"), post(q2, q1, "2026-01-03T00:00:00Z")});

        REQUIRE(graph.valid());
        CHECK(ids(graph.topological_order()) == std::vector{p1, q1, p2, q2});
    }

    TEST_CASE("topological order puts a revision after its parent even when created earlier") {
        RevisionGraph graph(
            {pre(p1, none, "2026-01-05T00:00:00Z"), pre(p2, p1, "2026-01-01T00:00:00Z")});

        REQUIRE(graph.valid());
        CHECK(ids(graph.topological_order()) == std::vector{p1, p2});
    }

    TEST_CASE(
        "a post revision that depends on a pre revision comes after it even if created earlier") {
        RevisionGraph graph(
            {pre(p1, none, "2026-01-01T00:00:00Z"), pre(p2, p1, "2026-01-04T00:00:00Z"),
             post(q1, none, "2026-01-02T00:00:00Z", {p2}), post(q2, q1, "2026-01-03T00:00:00Z")});

        REQUIRE(graph.valid());
        CHECK(ids(graph.topological_order()) == std::vector{p1, p2, q1, q2});
    }

    TEST_CASE("a pre revision that depends on a post revision waits for it") {
        RevisionGraph graph(
            {post(q1, none, "2026-01-02T00:00:00Z"), pre(p1, none, "2026-01-01T00:00:00Z", {q1})});

        REQUIRE(graph.valid());
        CHECK(ids(graph.topological_order()) == std::vector{q1, p1});
    }

    TEST_CASE("two revisions on the same parent are two heads, named with their files") {
        RevisionGraph graph({pre(p1, none), pre(p2, p1), pre(p3, p1), post(q1, none)});

        CHECK_FALSE(graph.valid());
        CHECK(ids(graph.heads(Branch::pre)) == std::vector{p2, p3});
        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.file == path_of(Branch::pre, p3));
        CHECK(problem.location.line == k_down_revision_line);
        CHECK(problem.message == "pre has 2 heads: " + described(Branch::pre, p2) + ", " +
                                     described(Branch::pre, p3) + "; each revises " + p1);
        CHECK(problem.hint ==
              k_rebase_advice + p3 + " --onto " + p2 + "` puts one on top of the other");
        CHECK_FALSE(problem.bad_input);
        // The other branch is unaffected.
        CHECK(ids(graph.heads(Branch::post)) == std::vector{q1});
    }

    TEST_CASE("two revisions that each start a branch are two heads") {
        RevisionGraph graph({post(q1, none), post(q2, none)});

        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.to_string() == path_of(Branch::post, q2) + ":3");
        CHECK(problem.message == "post has 2 heads: " + described(Branch::post, q1) + ", " +
                                     described(Branch::post, q2) + "; each starts the branch");
        CHECK(problem.hint ==
              k_rebase_advice + q2 + " --onto " + q1 + "` puts one on top of the other");
    }

    TEST_CASE("two heads on different parents are named without a common parent") {
        RevisionGraph graph({pre(p1, none), pre(p2, p1), pre(p3, none)});

        REQUIRE(graph.problems().size() == 1);
        CHECK(graph.problems().front().message ==
              "pre has 2 heads: " + described(Branch::pre, p2) + ", " + described(Branch::pre, p3));
    }

    TEST_CASE("with two lines of several revisions the hint moves the first of the later line") {
        // p1 <- p2 <- p3 and p1 <- p4 <- p5: moving p5 alone would leave p4 a head.
        RevisionGraph graph({pre(p1, none), pre(p2, p1), pre(p3, p2), pre(p4, p1), pre(p5, p4)});

        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.to_string() == path_of(Branch::pre, p5) + ":3");
        CHECK(problem.message ==
              "pre has 2 heads: " + described(Branch::pre, p3) + ", " + described(Branch::pre, p5));
        CHECK(problem.hint ==
              k_rebase_advice + p4 + " --onto " + p3 + "` puts one on top of the other");
    }

    TEST_CASE("with two roots that each have children the hint moves the later root") {
        RevisionGraph graph(
            {post(q1, none), pre(p1, none), pre(p2, p1), pre(p3, none), pre(p4, p3)});

        REQUIRE(graph.problems().size() == 1);
        CHECK(graph.problems().front().hint ==
              k_rebase_advice + p3 + " --onto " + p2 + "` puts one on top of the other");
    }

    TEST_CASE("a cycle of two revisions is named from its first file") {
        RevisionGraph graph({pre(p1, p2), pre(p2, p1)});

        CHECK_FALSE(graph.valid());
        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.file == path_of(Branch::pre, p1));
        CHECK(problem.location.line == k_down_revision_line);
        CHECK(problem.message == "cycle: " + described(Branch::pre, p1) + " -> " +
                                     described(Branch::pre, p2) + " -> " + p1 +
                                     " (each revises or depends on the next)");
        CHECK(problem.hint ==
              "break the cycle by pointing one down_revision or depends_on at an older revision");
        CHECK_THROWS_AS(graph.require_valid(), CheckFailed);
    }

    TEST_CASE("a cycle of three revisions names all three in order") {
        RevisionGraph graph({pre(p1, p3), pre(p2, p1), pre(p3, p2)});

        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.to_string() == path_of(Branch::pre, p1) + ":3");
        CHECK(problem.message == "cycle: " + described(Branch::pre, p1) + " -> " +
                                     described(Branch::pre, p3) + " -> " +
                                     described(Branch::pre, p2) + " -> " + p1 +
                                     " (each revises or depends on the next)");
    }

    TEST_CASE("a revision that revises itself is a cycle") {
        RevisionGraph graph({pre(p1, p1)});

        REQUIRE(graph.problems().size() == 1);
        CHECK(graph.problems().front().location.to_string() == path_of(Branch::pre, p1) + ":3");
        CHECK(graph.problems().front().message == "cycle: " + described(Branch::pre, p1) + " -> " +
                                                      p1 +
                                                      " (each revises or depends on the next)");
    }

    TEST_CASE("a cycle through depends_on across branches points at the depends_on line") {
        RevisionGraph graph({pre(p1, none), pre(p2, p1, "2026-01-01T00:00:00Z", {q1}),
                             post(q1, none, "2026-01-01T00:00:00Z", {p2})});

        CHECK_FALSE(graph.valid());
        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.file == path_of(Branch::pre, p2));
        CHECK(problem.location.line == k_depends_on_line);
        CHECK(problem.message == "cycle: " + described(Branch::pre, p2) + " -> " +
                                     described(Branch::post, q1) + " -> " + p2 +
                                     " (each revises or depends on the next)");
    }

    TEST_CASE("a cycle entered through a down_revision points at the down_revision line") {
        // q2 revises q1, which depends on q2.
        RevisionGraph graph({post(q2, q1), post(q1, none, "2026-01-01T00:00:00Z", {q2})});

        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.to_string() == path_of(Branch::post, q2) + ":3");
        CHECK(problem.message == "cycle: " + described(Branch::post, q2) + " -> " +
                                     described(Branch::post, q1) + " -> " + q2 +
                                     " (each revises or depends on the next)");
    }

    TEST_CASE("an unknown parent is named at its down_revision line") {
        RevisionGraph graph({pre(p1, none), pre(p2, unknown)});

        CHECK_FALSE(graph.valid());
        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.file == path_of(Branch::pre, p2));
        CHECK(problem.location.line == k_down_revision_line);
        CHECK(problem.message == "down_revision ffffffffffff is not a known revision");
        CHECK(problem.hint ==
              "is its file missing from migrations/pre? Otherwise point down_revision "
              "at the branch's previous revision");
    }

    TEST_CASE("a missing file in the middle of a chain is not also reported as two heads") {
        // p2's file is gone: p3 points at nothing, p1 is left on its own.
        RevisionGraph graph({pre(p1, none), pre(p3, p2)});

        REQUIRE(graph.problems().size() == 1);
        CHECK(graph.problems().front().message ==
              "down_revision " + p2 + " is not a known revision");
    }

    TEST_CASE("a parent in the other branch is refused and leaves that branch's head alone") {
        RevisionGraph graph({pre(p1, none), post(q1, none), post(q2, p1)});

        CHECK_FALSE(graph.valid());
        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.file == path_of(Branch::post, q2));
        CHECK(problem.location.line == k_down_revision_line);
        CHECK(problem.message == "down_revision " + p1 + " is in pre (" + path_of(Branch::pre, p1) +
                                     "), but this revision is in post");
        CHECK(problem.hint ==
              "each branch is one chain: revise a revision of the same folder, and use "
              "`depends_on` for an order across branches");
        // p1 is still the head of pre: only pre revisions revise pre revisions.
        CHECK(ids(graph.heads(Branch::pre)) == std::vector{p1});
    }

    TEST_CASE("an unknown depends_on is named at its depends_on line") {
        RevisionGraph graph({pre(p1, none), post(q1, none, "2026-01-01T00:00:00Z", {p1, unknown})});

        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.file == path_of(Branch::post, q1));
        CHECK(problem.location.line == k_depends_on_line);
        CHECK(problem.message == "depends_on names ffffffffffff, which is not a known revision");
        CHECK(problem.hint == "is its file missing? Otherwise remove it from depends_on");
    }

    TEST_CASE("a revision that depends on itself is refused once, not also as a cycle") {
        RevisionGraph graph({post(q1, none, "2026-01-01T00:00:00Z", {q1})});

        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.to_string() == path_of(Branch::post, q1) + ":4");
        CHECK(problem.message == "revision " + q1 + " depends on itself");
        CHECK(problem.hint == "remove it from depends_on");
    }

    TEST_CASE("a duplicate id in the same branch names both files") {
        RevisionFile copy = pre(p2, p1);
        copy.path = "migrations/pre/20260101T000000_" + p2 + "_copy.sql";
        RevisionGraph graph({pre(p1, none), pre(p2, p1), copy});

        CHECK_FALSE(graph.valid());
        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.file == copy.path);
        CHECK(problem.location.line == k_revision_line);
        CHECK(problem.message ==
              "revision " + p2 + " is also defined in " + path_of(Branch::pre, p2));
        CHECK(problem.hint ==
              "ids must be unique across both branches: give one of them a new id (12 "
              "random lowercase hex characters) and update whatever revises it");
        CHECK(graph.find(p2)->path == path_of(Branch::pre, p2));
    }

    TEST_CASE("a duplicate id across branches names both files") {
        RevisionGraph graph({pre(p1, none), post(p1, none)});

        REQUIRE(graph.problems().size() == 1);
        const Diagnostic& problem = graph.problems().front();
        CHECK(problem.location.to_string() == path_of(Branch::post, p1) + ":2");
        CHECK(problem.message ==
              "revision " + p1 + " is also defined in " + path_of(Branch::pre, p1));
    }

    TEST_CASE("every problem is reported, in the order of the files") {
        RevisionGraph graph({pre(p1, none), pre(p2, q1),
                             post(q1, none, "2026-01-01T00:00:00Z", {unknown}),
                             post(q2, none, "2026-01-01T00:00:00Z", {q2})});

        REQUIRE(graph.problems().size() == 4);
        CHECK(graph.problems()[0].location.to_string() == path_of(Branch::pre, p2) + ":3");
        CHECK(graph.problems()[1].location.to_string() == path_of(Branch::post, q1) + ":4");
        CHECK(graph.problems()[2].location.to_string() == path_of(Branch::post, q2) + ":4");
        CHECK(graph.problems()[3].message == "post has 2 heads: " + described(Branch::post, q1) +
                                                 ", " + described(Branch::post, q2) +
                                                 "; each starts the branch");
    }

    TEST_CASE("require_valid throws CheckFailed with every problem as a detail") {
        RevisionGraph graph(
            {pre(p1, none), pre(p2, unknown), post(q1, none, "2026-01-01T00:00:00Z", {q1})});
        REQUIRE(graph.problems().size() == 2);

        try {
            graph.require_valid();
            FAIL("require_valid did not throw");
        } catch (const CheckFailed& error) {
            CHECK(error.exit_code() == 1);
            CHECK(std::string(error.what()) == "the revision graph is not valid");
            REQUIRE(error.details().size() == 2);
            CHECK(error.details()[0].message == graph.problems()[0].message);
            CHECK(error.details()[0].location.to_string() == path_of(Branch::pre, p2) + ":3");
            CHECK(error.details()[1].message == "revision " + q1 + " depends on itself");
        }
    }

    TEST_CASE("find gives the first of equal ids, and a moved graph still finds them") {
        std::vector<RevisionFile> files = {pre(p1, none), pre(p2, p1), pre(p3, p2)};
        files.push_back(files[1]);
        files.back().path = "migrations/pre/copy.sql";
        RevisionGraph built(std::move(files));
        CHECK_FALSE(built.valid()); // the duplicate is a problem
        RevisionGraph graph(std::move(built));
        REQUIRE(graph.find(p2) != nullptr);
        CHECK(graph.find(p2) == &graph.revisions()[1]);
        CHECK(graph.find(p3) == &graph.revisions()[2]);
        CHECK(graph.find(p4) == nullptr);
        CHECK(graph.find("") == nullptr);
    }

} // TEST_SUITE
