// What a deploy plans, from in-memory graphs and positions: no database.

#include "runtime/deploy.hpp"
#include "tests/unit/graph/revision_builder.hpp"

#include <doctest/doctest.h>

using namespace ecluse;
using namespace ecluse::test;

namespace {

// pre: p1 <- p2 <- p3; post: q1 <- q2, q2 depending on p3.
RevisionGraph example() {
    RevisionGraph graph(
        {pre("aa0000000001", none, "2026-01-01T00:00:00Z"),
         pre("aa0000000002", "aa0000000001", "2026-01-02T00:00:00Z"),
         pre("aa0000000003", "aa0000000002", "2026-01-03T00:00:00Z"),
         post("bb0000000001", none, "2026-01-02T12:00:00Z"),
         post("bb0000000002", "bb0000000001", "2026-01-04T00:00:00Z", {"aa0000000003"})});
    REQUIRE(graph.valid());
    return graph;
}

std::vector<std::string> step_ids(const std::vector<Step>& steps) {
    std::vector<std::string> out;
    for (const Step& step : steps) {
        out.push_back(step.revision->revision + (step.reason.empty() ? "" : " *"));
    }
    return out;
}

} // namespace

TEST_SUITE("plan_deploy") {

    TEST_CASE("a full deploy plans pre up to its head, the hook, then post as it stands after "
              "pre") {
        RevisionGraph graph = example();
        Position position;
        position.pre = "aa0000000001";
        DeployPlan plan = plan_deploy(graph, position, std::nullopt);
        CHECK(plan.target.pre == std::optional<std::string>("aa0000000003"));
        CHECK(plan.target.post == std::optional<std::string>("bb0000000002"));
        CHECK(step_ids(plan.pre) == std::vector<std::string>{"aa0000000002", "aa0000000003"});
        CHECK(plan.hook);
        // bb0000000002 depends on aa0000000003, which pre applies first: no reason to give.
        CHECK(step_ids(plan.post) == std::vector<std::string>{"bb0000000001", "bb0000000002"});
    }

    TEST_CASE("an up-to-date database plans no migration but still the hook") {
        RevisionGraph graph = example();
        Position position;
        position.pre = "aa0000000003";
        position.post = "bb0000000002";
        DeployPlan plan = plan_deploy(graph, position, std::nullopt);
        CHECK(plan.pre.empty());
        CHECK(plan.post.empty());
        CHECK(plan.hook);
    }

    TEST_CASE("--phase plans that phase alone") {
        RevisionGraph graph = example();
        Position position;
        DeployPlan pre_only = plan_deploy(graph, position, DeployPhase::pre);
        CHECK(pre_only.pre.size() == 3);
        CHECK_FALSE(pre_only.hook);
        CHECK(pre_only.post.empty());

        DeployPlan hook_only = plan_deploy(graph, position, DeployPhase::hook);
        CHECK(hook_only.pre.empty());
        CHECK(hook_only.hook);
        CHECK(hook_only.post.empty());

        position.pre = "aa0000000003";
        DeployPlan post_only = plan_deploy(graph, position, DeployPhase::post);
        CHECK(post_only.pre.empty());
        CHECK_FALSE(post_only.hook);
        CHECK(step_ids(post_only.post) == std::vector<std::string>{"bb0000000001", "bb0000000002"});
    }

    TEST_CASE("phase names are those of --phase and ECLUSE_PHASE") {
        CHECK(phase_name(DeployPhase::pre) == "pre");
        CHECK(phase_name(DeployPhase::hook) == "deploy");
        CHECK(phase_name(DeployPhase::post) == "post");
        CHECK(parse_phase("deploy") == DeployPhase::hook);
        CHECK_THROWS_WITH_AS(parse_phase("hook"), "unknown deploy phase \"hook\"", UsageError);
    }

} // TEST_SUITE
