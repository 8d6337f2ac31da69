#include "graph/conflict.hpp"
#include "graph/plan.hpp"
#include "graph/snapshots.hpp"
#include "tests/unit/graph/revision_builder.hpp"

#include <doctest/doctest.h>

using namespace ecluse;
using namespace ecluse::test;

namespace {

// The project of the graph's revisions (built with their SQL), in memory.
Project project_of(const RevisionGraph& graph) {
    return Project::from_revisions(graph.revisions());
}

const std::vector<BranchTarget> k_heads_of_abc = {{Branch::pre, "cccccccccccc"},
                                                  {Branch::post, std::nullopt}};

} // namespace

TEST_SUITE("snapshots") {

    TEST_CASE("the newest snapshot at or below the targets is used") {
        auto a = pre("aaaaaaaaaaaa", none);
        auto b = pre("bbbbbbbbbbbb", "aaaaaaaaaaaa");
        auto c = pre("cccccccccccc", "bbbbbbbbbbbb");
        RevisionGraph graph({a, b, c});
        std::vector<SnapshotFile> snapshots = {
            snapshot_of("1_a.sql", "aaaaaaaaaaaa", std::nullopt, {a}),
            snapshot_of("2_b.sql", "bbbbbbbbbbbb", std::nullopt, {a, b})};
        const SnapshotFile* chosen =
            usable_snapshot(graph, project_of(graph), snapshots, k_heads_of_abc);
        REQUIRE(chosen != nullptr);
        CHECK(chosen->name == "2_b.sql");
        // A target below the newest snapshot's head picks an older one.
        chosen =
            usable_snapshot(graph, project_of(graph), snapshots, {{Branch::pre, "aaaaaaaaaaaa"}});
        REQUIRE(chosen != nullptr);
        CHECK(chosen->name == "1_a.sql");
        // A branch the targets leave alone must be empty in the snapshot.
        auto p = post("dddddddddddd", none);
        RevisionGraph both({a, b, c, p});
        std::vector<SnapshotFile> with_post = {
            snapshot_of("3.sql", "bbbbbbbbbbbb", "dddddddddddd", {a, b, p})};
        CHECK(usable_snapshot(both, project_of(both), with_post, {{Branch::pre, "cccccccccccc"}}) ==
              nullptr);
        CHECK(usable_snapshot(both, project_of(both), with_post,
                              {{Branch::pre, "cccccccccccc"}, {Branch::post, "dddddddddddd"}}) ==
              &with_post[0]);
    }

    TEST_CASE("a snapshot whose replaced revision changed on disk is refused, not replayed "
              "around") {
        auto a = pre("aaaaaaaaaaaa", none);
        auto b = pre("bbbbbbbbbbbb", "aaaaaaaaaaaa");
        std::vector<SnapshotFile> snapshots = {
            snapshot_of("1_a.sql", "aaaaaaaaaaaa", std::nullopt, {a}),
            snapshot_of("2_b.sql", "bbbbbbbbbbbb", std::nullopt, {a, b})};
        b.upgrade = {"CREATE TABLE changed ();\n", 2, true};
        RevisionGraph graph({a, b});
        Project project = project_of(graph);
        CHECK(changed_since(graph, project, snapshots[0]).empty());
        REQUIRE(changed_since(graph, project, snapshots[1]).size() == 1);
        CHECK(changed_since(graph, project, snapshots[1]).front()->revision == "bbbbbbbbbbbb");
        // The older snapshot does not stand in for the newer one.
        CHECK_THROWS_WITH(
            usable_snapshot(graph, project, snapshots, {{Branch::pre, "bbbbbbbbbbbb"}}),
            doctest::Contains("snapshot 2_b.sql replaces bbbbbbbbbbbb"));
        // Below the changed revision, the older one is still what fits.
        CHECK(usable_snapshot(graph, project, snapshots, {{Branch::pre, "aaaaaaaaaaaa"}}) ==
              &snapshots[0]);
    }

    TEST_CASE("after the replaced files are deleted the first remaining revision may revise one") {
        auto a = pre("aaaaaaaaaaaa", none);
        auto b = pre("bbbbbbbbbbbb", "aaaaaaaaaaaa");
        auto c = pre("cccccccccccc", "bbbbbbbbbbbb");
        auto p =
            post("dddddddddddd", none, "2026-01-01T00:00:00Z", {"cccccccccccc", "aaaaaaaaaaaa"});
        std::vector<SnapshotFile> snapshots = {
            snapshot_of("2_b.sql", "bbbbbbbbbbbb", std::nullopt, {a, b})};
        RevisionGraph without({c, p});
        CHECK_FALSE(without.valid());
        RevisionGraph graph({c, p}, replaced_revisions(snapshots));
        REQUIRE(graph.valid());
        CHECK(ids(graph.chain(Branch::pre)) == std::vector<std::string>{"cccccccccccc"});
        CHECK(graph.replaced("aaaaaaaaaaaa")->snapshot == "2_b.sql");
        CHECK(graph.replaced("cccccccccccc") == nullptr);
        CHECK(usable_snapshot(graph, project_of(graph), snapshots, k_heads_of_abc) ==
              &snapshots[0]);

        Position at_snapshot;
        at_snapshot.pre = "bbbbbbbbbbbb";
        auto steps = plan_upgrade(graph, at_snapshot,
                                  {{Branch::pre, "cccccccccccc"}, {Branch::post, "dddddddddddd"}});
        REQUIRE(steps.size() == 2);
        CHECK(steps[0].revision->revision == "cccccccccccc");
        CHECK(steps[1].revision->revision == "dddddddddddd");

        Position too_old;
        too_old.pre = "aaaaaaaaaaaa";
        CHECK_THROWS_WITH(plan_upgrade(graph, too_old, {{Branch::pre, "cccccccccccc"}}),
                          "the database's pre position is aaaaaaaaaaaa, older than the revision "
                          "files that remain: the revisions after it up to bbbbbbbbbbbb were "
                          "deleted once snapshot 2_b.sql replaced them");
    }

    TEST_CASE("history deleted after a snapshot: the branches stand on its heads") {
        auto a = pre("aaaaaaaaaaaa", none);
        auto b = pre("bbbbbbbbbbbb", "aaaaaaaaaaaa");
        auto p = post("dddddddddddd", none);
        std::vector<SnapshotFile> snapshots = {
            snapshot_of("2_b.sql", "bbbbbbbbbbbb", "dddddddddddd", {a, b, p})};
        RevisionGraph whole({a, b, p}, replaced_revisions(snapshots));
        CHECK_FALSE(whole.snapshot_base(Branch::pre));
        CHECK_FALSE(whole.snapshot_base(Branch::post));

        // Every file deleted: the snapshot's heads stay the heads.
        RevisionGraph none_left({}, replaced_revisions(snapshots));
        REQUIRE(none_left.valid());
        CHECK(none_left.snapshot_base(Branch::pre) == "bbbbbbbbbbbb");
        CHECK(none_left.snapshot_base(Branch::post) == "dddddddddddd");
        CHECK(expected_conflict_heads(none_left)[Branch::pre] == "bbbbbbbbbbbb");
        CHECK(expected_conflict_heads(none_left)[Branch::post] == "dddddddddddd");
        const std::vector<BranchTarget> empty_heads = {{Branch::pre, std::nullopt},
                                                       {Branch::post, std::nullopt}};
        CHECK(usable_snapshot(none_left, project_of(none_left), snapshots, empty_heads) ==
              &snapshots[0]);

        // A new revision on pre's snapshot head; post's files all gone.
        auto c = pre("cccccccccccc", "bbbbbbbbbbbb");
        RevisionGraph one_new({c}, replaced_revisions(snapshots));
        REQUIRE(one_new.valid());
        CHECK(one_new.snapshot_base(Branch::pre) == "bbbbbbbbbbbb");
        CHECK(one_new.snapshot_base(Branch::post) == "dddddddddddd");
        CHECK(expected_conflict_heads(one_new)[Branch::pre] == "cccccccccccc");
        CHECK(expected_conflict_heads(one_new)[Branch::post] == "dddddddddddd");
        // pre alone cannot start from a snapshot holding post; both heads can.
        CHECK(usable_snapshot(one_new, project_of(one_new), snapshots,
                              {{Branch::pre, "cccccccccccc"}}) == nullptr);
        CHECK(usable_snapshot(one_new, project_of(one_new), snapshots,
                              {{Branch::pre, "cccccccccccc"}, {Branch::post, std::nullopt}}) ==
              &snapshots[0]);
    }

    TEST_CASE("a replaced revision in the other branch is still a wrong parent") {
        auto a = pre("aaaaaaaaaaaa", none);
        auto p = post("dddddddddddd", "aaaaaaaaaaaa");
        std::vector<SnapshotFile> snapshots = {
            snapshot_of("1_a.sql", "aaaaaaaaaaaa", std::nullopt, {a})};
        RevisionGraph graph({p}, replaced_revisions(snapshots));
        CHECK_FALSE(graph.valid());
    }
}
