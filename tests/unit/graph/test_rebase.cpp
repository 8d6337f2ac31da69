#include "graph/rebase.hpp"
#include "graph/revision_graph.hpp"
#include "revision_builder.hpp"

#include <doctest/doctest.h>

using namespace ecluse;
using namespace ecluse::test;

namespace {

const std::string x = "aa0000000001"; // the common parent in pre
const std::string theirs = "aa0000000002";
const std::string theirs2 = "aa0000000003";
const std::string mine = "ab0000000001";
const std::string mine2 = "ab0000000002";
const std::string mine3 = "ab0000000003";
const std::string y = "bb0000000001"; // the common parent in post
const std::string theirs_post = "bb0000000002";
const std::string mine_post = "bc0000000001";

std::string day(int n) {
    return "2026-01-" + std::string(n < 10 ? "0" : "") + std::to_string(n) + "T00:00:00Z";
}

std::set<std::string> paths(const std::vector<RevisionFile>& revisions) {
    std::set<std::string> out;
    for (const RevisionFile& revision : revisions) {
        out.insert(revision.path);
    }
    return out;
}

// Both sides together, as the work tree holds them after a merge.
std::vector<RevisionFile> together(std::vector<RevisionFile> upstream,
                                   const std::vector<RevisionFile>& local) {
    upstream.insert(upstream.end(), local.begin(), local.end());
    return upstream;
}

std::string describe(const Rechain& edit) {
    return edit.revision + " " + edit.path + " " + edit.old_parent.value_or("none") + " -> " +
           edit.new_parent;
}

std::vector<std::string> described(const std::vector<Rechain>& edits) {
    std::vector<std::string> out;
    for (const Rechain& edit : edits) {
        out.push_back(describe(edit));
    }
    return out;
}

std::string edit(const std::string& id, Branch branch, const std::optional<std::string>& from,
                 const std::string& to) {
    return describe(Rechain{id, path_of(branch, id), from, to});
}

// The graph after the edits, which must be valid.
RevisionGraph rebased(const std::vector<RevisionFile>& revisions,
                      const std::vector<Rechain>& edits) {
    RevisionGraph graph(apply_rechains(revisions, edits));
    for (const Diagnostic& problem : graph.problems()) {
        INFO(problem.to_string());
    }
    CHECK(graph.valid());
    return graph;
}

template <typename Action>
CheckFailed check_failure(Action action) {
    try {
        action();
    } catch (const CheckFailed& error) {
        return error;
    }
    FAIL("no CheckFailed was thrown");
    throw std::logic_error("unreachable");
}

template <typename Action>
UsageError usage_error(Action action) {
    try {
        action();
    } catch (const UsageError& error) {
        return error;
    }
    FAIL("no UsageError was thrown");
    throw std::logic_error("unreachable");
}

} // namespace

TEST_SUITE("plan_rebase") {

    TEST_CASE("when both sides added a pre revision on X, mine moves onto upstream's") {
        std::vector<RevisionFile> upstream = {pre(x, none, day(1)), pre(theirs, x, day(3))};
        auto revisions = together(upstream, {pre(mine, x, day(2))});

        auto edits = plan_rebase(revisions, paths(upstream));

        CHECK(described(edits) == std::vector{edit(mine, Branch::pre, x, theirs)});
        // Before, the graph has two heads; after, one chain.
        CHECK_FALSE(RevisionGraph(revisions).valid());
        RevisionGraph graph = rebased(revisions, edits);
        CHECK(ids(graph.chain(Branch::pre)) == std::vector{x, theirs, mine});
    }

    TEST_CASE("of several new revisions in a line only the first moves") {
        std::vector<RevisionFile> upstream = {pre(x, none, day(1)), pre(theirs, x, day(2)),
                                              pre(theirs2, theirs, day(5))};
        auto revisions = together(
            upstream, {pre(mine, x, day(3)), pre(mine2, mine, day(4)), pre(mine3, mine2, day(6))});

        auto edits = plan_rebase(revisions, paths(upstream));

        CHECK(described(edits) == std::vector{edit(mine, Branch::pre, x, theirs2)});
        RevisionGraph graph = rebased(revisions, edits);
        CHECK(ids(graph.chain(Branch::pre)) == std::vector{x, theirs, theirs2, mine, mine2, mine3});
    }

    TEST_CASE("new revisions in both branches each move onto their own branch's head, pre first") {
        std::vector<RevisionFile> upstream = {pre(x, none, day(1)), pre(theirs, x, day(3)),
                                              post(y, none, day(1)), post(theirs_post, y, day(3))};
        auto revisions = together(upstream, {post(mine_post, y, day(2)), pre(mine, x, day(2))});

        auto edits = plan_rebase(revisions, paths(upstream));

        CHECK(described(edits) == std::vector{edit(mine, Branch::pre, x, theirs),
                                              edit(mine_post, Branch::post, y, theirs_post)});
        RevisionGraph graph = rebased(revisions, edits);
        CHECK(graph.head(Branch::pre) == mine);
        CHECK(graph.head(Branch::post) == mine_post);
    }

    TEST_CASE("two separate new lines are chained one after the other, oldest first") {
        std::vector<RevisionFile> upstream = {pre(x, none, day(1)), pre(theirs, x, day(2))};
        // mine2 -> mine3 is the older line, though mine sorts first by id.
        auto revisions = together(
            upstream, {pre(mine, x, day(5)), pre(mine2, x, day(3)), pre(mine3, mine2, day(4))});

        auto edits = plan_rebase(revisions, paths(upstream));

        CHECK(described(edits) ==
              std::vector{edit(mine2, Branch::pre, x, theirs), edit(mine, Branch::pre, x, mine3)});
        RevisionGraph graph = rebased(revisions, edits);
        CHECK(ids(graph.chain(Branch::pre)) == std::vector{x, theirs, mine2, mine3, mine});
    }

    TEST_CASE("new lines in a branch upstream does not have are chained among themselves") {
        std::vector<RevisionFile> upstream = {pre(x, none, day(1))};
        auto revisions = together(upstream, {post(mine_post, none, day(2)), post(y, none, day(3))});

        auto edits = plan_rebase(revisions, paths(upstream));

        CHECK(described(edits) == std::vector{edit(y, Branch::post, none, mine_post)});
        RevisionGraph graph = rebased(revisions, edits);
        CHECK(ids(graph.chain(Branch::post)) == std::vector{mine_post, y});
    }

    TEST_CASE("nothing moves when the new revisions already sit on upstream's heads") {
        std::vector<RevisionFile> upstream = {pre(x, none, day(1)), pre(theirs, x, day(2)),
                                              post(y, none, day(1))};
        auto revisions = together(upstream, {pre(mine, theirs, day(3)), pre(mine2, mine, day(4)),
                                             post(mine_post, y, day(3))});

        CHECK(plan_rebase(revisions, paths(upstream)).empty());
        CHECK(plan_rebase(upstream, paths(upstream)).empty());
        CHECK(plan_rebase({}, {}).empty());
    }

    TEST_CASE("an upstream side with two heads in a branch is refused") {
        std::vector<RevisionFile> upstream = {pre(x, none, day(1)), pre(theirs, x, day(2)),
                                              pre(theirs2, x, day(3))};
        auto revisions = together(upstream, {pre(mine, x, day(4))});

        CheckFailed error = check_failure([&] { plan_rebase(revisions, paths(upstream)); });
        CHECK(error.exit_code() == 1);
        CHECK(std::string(error.what()) ==
              "the upstream side itself has 2 heads in pre: " + theirs + " and " + theirs2);
        CHECK(error.hint() == "fix the upstream branch first, then rebase on it again");
    }

    TEST_CASE("a new line of work that forks is refused") {
        std::vector<RevisionFile> upstream = {pre(x, none, day(1)), pre(theirs, x, day(2))};
        auto revisions = together(
            upstream, {pre(mine, x, day(3)), pre(mine2, mine, day(4)), pre(mine3, mine, day(5))});

        CheckFailed error = check_failure([&] { plan_rebase(revisions, paths(upstream)); });
        CHECK(error.exit_code() == 1);
        CHECK(std::string(error.what()) == "the new revisions fork after " + mine + " (" +
                                               path_of(Branch::pre, mine) + "): " + mine2 +
                                               " and " + mine3 + " both revise it");
        CHECK(error.hint() == "put one on top of the other first: `ecluse rebase " + mine3 +
                                  " --onto " + mine2 + "`");
    }

} // TEST_SUITE

TEST_SUITE("plan_rebase_onto") {

    TEST_CASE("one of two heads moves onto the other") {
        std::vector<RevisionFile> revisions = {pre(x, none), pre(theirs, x), pre(mine, x)};
        RevisionGraph before(revisions);
        REQUIRE(before.heads(Branch::pre).size() == 2);

        auto edits = plan_rebase_onto(revisions, *before.find(mine), *before.find(theirs));

        CHECK(described(edits) == std::vector{edit(mine, Branch::pre, x, theirs)});
        RevisionGraph graph = rebased(revisions, edits);
        CHECK(ids(graph.chain(Branch::pre)) == std::vector{x, theirs, mine});
    }

    TEST_CASE("following the graph's two-heads hint leaves one head") {
        // x <- theirs <- theirs2 and x <- mine <- mine2.
        std::vector<RevisionFile> revisions = {pre(x, none), pre(theirs, x), pre(theirs2, theirs),
                                               pre(mine, x), pre(mine2, mine)};
        RevisionGraph before(revisions);
        REQUIRE(before.problems().size() == 1);
        std::string advice = "`ecluse rebase " + mine + " --onto " + theirs2 + "`";
        REQUIRE(before.problems().front().hint.find(advice) != std::string::npos);

        auto edits = plan_rebase_onto(revisions, *before.find(mine), *before.find(theirs2));

        CHECK(described(edits) == std::vector{edit(mine, Branch::pre, x, theirs2)});
        RevisionGraph graph = rebased(revisions, edits);
        CHECK(ids(graph.chain(Branch::pre)) == std::vector{x, theirs, theirs2, mine, mine2});
    }

    TEST_CASE("a revision already on ONTO needs no edit") {
        std::vector<RevisionFile> revisions = {pre(x, none), pre(theirs, x)};
        CHECK(plan_rebase_onto(revisions, revisions[1], revisions[0]).empty());
    }

    TEST_CASE("a revision cannot be rebased onto itself") {
        std::vector<RevisionFile> revisions = {pre(x, none), pre(theirs, x)};
        UsageError error =
            usage_error([&] { plan_rebase_onto(revisions, revisions[1], revisions[1]); });
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) == "cannot rebase " + theirs + " onto itself");
    }

    TEST_CASE("a revision cannot be rebased onto the other branch") {
        std::vector<RevisionFile> revisions = {pre(x, none), post(y, none)};
        UsageError error =
            usage_error([&] { plan_rebase_onto(revisions, revisions[0], revisions[1]); });
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) == x + " is in pre but " + y + " is in post");
        CHECK(error.hint() ==
              "each branch is one chain: rebase onto a revision of the same branch");
    }

    TEST_CASE("a revision cannot be rebased onto one of its descendants") {
        std::vector<RevisionFile> revisions = {pre(x, none), pre(theirs, x), pre(theirs2, theirs)};
        UsageError error =
            usage_error([&] { plan_rebase_onto(revisions, revisions[1], revisions[2]); });
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) == theirs2 + " already comes after " + theirs);
        CHECK(error.hint() == "rebase the later revision onto the earlier one instead");

        CHECK_THROWS_AS(plan_rebase_onto(revisions, revisions[0], revisions[2]), UsageError);
    }

} // TEST_SUITE

TEST_SUITE("apply_rechains") {

    TEST_CASE("only the revision named by path and id gets its new parent") {
        std::vector<RevisionFile> revisions = {pre(x, none), pre(theirs, x), pre(mine, x)};
        auto result =
            apply_rechains(revisions, {Rechain{mine, path_of(Branch::pre, mine), x, theirs}});

        REQUIRE(result.size() == 3);
        CHECK(result[0].down_revision == none);
        CHECK(result[1].down_revision == x);
        CHECK(result[2].down_revision == theirs);
        CHECK(result[2].path == path_of(Branch::pre, mine));
    }

    TEST_CASE("an edit whose path does not match changes nothing") {
        std::vector<RevisionFile> revisions = {pre(x, none), pre(mine, x)};
        auto result =
            apply_rechains(revisions, {Rechain{mine, "migrations/pre/elsewhere.sql", x, y}});
        CHECK(result[1].down_revision == x);
    }

} // TEST_SUITE
