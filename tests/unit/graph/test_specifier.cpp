#include "graph/specifier.hpp"
#include "revision_builder.hpp"

#include <doctest/doctest.h>

#include <functional>

using namespace ecluse;
using namespace ecluse::test;

namespace {

// pre: p1 <- p2 <- p3; post: q1 <- q2 <- q3. p2 and p3 share the prefix ab12.
const std::string p1 = "aa1100000001";
const std::string p2 = "ab12cd000002";
const std::string p3 = "ab12ef000003";
const std::string q1 = "cc0100000001";
const std::string q2 = "cc0200000002";
const std::string q3 = "cc0300000003";

RevisionGraph sample_graph() {
    return RevisionGraph(
        {pre(p1, none, "2026-01-01T00:00:00Z"), pre(p2, p1, "2026-01-03T00:00:00Z"),
         pre(p3, p2, "2026-01-05T00:00:00Z"), post(q1, none, "2026-01-02T00:00:00Z"),
         post(q2, q1, "2026-01-04T00:00:00Z"), post(q3, q2, "2026-01-06T00:00:00Z")});
}

const std::string k_grammar =
    "a specifier is a revision id or prefix of 4+ characters (a1b2), a1b2+1, a1b2-2, pre@head, "
    "post@head, heads, pre@base, post@base, base, or pre@-1 / post@+2 (relative to the database)";

// The UsageError `action` throws; fails the test when it throws nothing.
UsageError usage_error(const std::function<void()>& action) {
    try {
        action();
    } catch (const UsageError& error) {
        return error;
    }
    FAIL("no UsageError was thrown");
    throw std::logic_error("unreachable");
}

UsageError refused(std::string_view text) {
    return usage_error([&] { parse_specifier(text); });
}

std::string invalid(std::string_view text, const std::string& why) {
    return "invalid revision specifier \"" + std::string(text) + "\": " + why;
}

std::vector<BranchTarget> resolved(std::string_view text, const RevisionGraph& graph,
                                   const std::optional<Position>& position = std::nullopt) {
    return resolve(parse_specifier(text), graph, position);
}

} // namespace

namespace doctest {

template <>
struct StringMaker<std::vector<BranchTarget>> {
    static String convert(const std::vector<BranchTarget>& targets) {
        std::string out = "{";
        for (const BranchTarget& target : targets) {
            out += (out.size() > 1 ? ", " : "") + std::string(branch_name(target.branch)) + "@" +
                   target.revision.value_or("base");
        }
        return (out + "}").c_str();
    }
};

} // namespace doctest

TEST_SUITE("parse_specifier") {

    TEST_CASE("a full id is a revision with no offset") {
        Specifier spec = parse_specifier("a1b2c3d4e5f6");
        CHECK(spec.kind == Specifier::Kind::revision);
        CHECK(spec.prefix == "a1b2c3d4e5f6");
        CHECK(spec.offset == 0);
        CHECK(spec.text == "a1b2c3d4e5f6");
    }

    TEST_CASE("a prefix of four characters is a revision") {
        Specifier spec = parse_specifier("a1b2");
        CHECK(spec.kind == Specifier::Kind::revision);
        CHECK(spec.prefix == "a1b2");
        CHECK(spec.offset == 0);
    }

    TEST_CASE("uppercase is accepted and lowered, the text is kept as written") {
        Specifier spec = parse_specifier("A1B2C3");
        CHECK(spec.kind == Specifier::Kind::revision);
        CHECK(spec.prefix == "a1b2c3");
        CHECK(spec.text == "A1B2C3");

        Specifier head = parse_specifier("POST@HEAD");
        CHECK(head.kind == Specifier::Kind::branch_head);
        CHECK(head.branch == Branch::post);
    }

    TEST_CASE("surrounding spaces are ignored") {
        Specifier spec = parse_specifier("  pre@head ");
        CHECK(spec.kind == Specifier::Kind::branch_head);
        CHECK(spec.branch == Branch::pre);
    }

    TEST_CASE("branch@head and branch@base name one branch") {
        Specifier pre_head = parse_specifier("pre@head");
        CHECK(pre_head.kind == Specifier::Kind::branch_head);
        CHECK(pre_head.branch == Branch::pre);

        Specifier post_head = parse_specifier("post@head");
        CHECK(post_head.kind == Specifier::Kind::branch_head);
        CHECK(post_head.branch == Branch::post);

        Specifier post_base = parse_specifier("post@base");
        CHECK(post_base.kind == Specifier::Kind::branch_base);
        CHECK(post_base.branch == Branch::post);

        Specifier pre_base = parse_specifier("pre@base");
        CHECK(pre_base.kind == Specifier::Kind::branch_base);
        CHECK(pre_base.branch == Branch::pre);
    }

    TEST_CASE("heads and base name both branches") {
        CHECK(parse_specifier("heads").kind == Specifier::Kind::heads);
        CHECK(parse_specifier("base").kind == Specifier::Kind::base);
    }

    TEST_CASE("branch@-N and branch@+N are relative to the database's position") {
        Specifier down = parse_specifier("pre@-1");
        CHECK(down.kind == Specifier::Kind::branch_relative);
        CHECK(down.branch == Branch::pre);
        CHECK(down.offset == -1);

        Specifier up = parse_specifier("post@+2");
        CHECK(up.kind == Specifier::Kind::branch_relative);
        CHECK(up.branch == Branch::post);
        CHECK(up.offset == 2);
    }

    TEST_CASE("a revision may carry a signed offset") {
        Specifier up = parse_specifier("a1b2+1");
        CHECK(up.kind == Specifier::Kind::revision);
        CHECK(up.prefix == "a1b2");
        CHECK(up.offset == 1);

        Specifier down = parse_specifier("a1b2-2");
        CHECK(down.kind == Specifier::Kind::revision);
        CHECK(down.prefix == "a1b2");
        CHECK(down.offset == -2);
    }

    TEST_CASE("head alone is ambiguous and the hint names pre@head") {
        for (const char* text : {"head", "HEAD", "head-1", "head+1"}) {
            CAPTURE(text);
            UsageError error = refused(text);
            CHECK(error.exit_code() == 2);
            CHECK(std::string(error.what()) ==
                  "\"" + std::string(text) +
                      "\" is ambiguous: ecluse has two branches, each with its own head");
            CHECK(error.hint() == "say pre@head or post@head for one branch, or heads for both");
        }
    }

    TEST_CASE("a prefix shorter than four characters is refused") {
        UsageError error = refused("a1b");
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) ==
              invalid("a1b", "a revision prefix needs at least 4 hex characters"));
        CHECK(error.hint() == k_grammar);

        CHECK(std::string(refused("a1b+1").what()) ==
              invalid("a1b+1", "a revision prefix needs at least 4 hex characters"));
    }

    TEST_CASE("more than twelve characters is refused") {
        UsageError error = refused("a1b2c3d4e5f6a");
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) ==
              invalid("a1b2c3d4e5f6a", "a revision id has 12 hex characters"));
        CHECK(error.hint() == k_grammar);
    }

    TEST_CASE("a branch other than pre or post is refused") {
        UsageError error = refused("foo@head");
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) ==
              invalid("foo@head", "the branch before '@' must be pre or post"));
        CHECK(error.hint() == k_grammar);
    }

    TEST_CASE("after @ only head, base or a non-zero signed number is accepted") {
        for (const char* text : {"pre@x", "pre@0", "pre@+0", "pre@-0", "pre@1", "pre@", "pre@-",
                                 "post@head+1", "pre@+99999999999"}) {
            CAPTURE(text);
            UsageError error = refused(text);
            CHECK(error.exit_code() == 2);
            CHECK(std::string(error.what()) ==
                  invalid(text, "after '@' comes head, base, or a signed number such as -1 or +2"));
            CHECK(error.hint() == k_grammar);
        }
    }

    TEST_CASE("an empty specifier is refused") {
        for (const char* text : {"", "   "}) {
            CAPTURE(text);
            UsageError error = refused(text);
            CHECK(error.exit_code() == 2);
            CHECK(std::string(error.what()) == invalid(text, "it is empty"));
            CHECK(error.hint() == k_grammar);
        }
    }

    TEST_CASE("garbage is refused as neither revision nor keyword") {
        for (const char* text :
             {"xyz", "a1b2!", "a1b2+", "a1b2+x", "a1b2+1+1", "a1b2 c3d4", "bases"}) {
            CAPTURE(text);
            UsageError error = refused(text);
            CHECK(error.exit_code() == 2);
            CHECK(std::string(error.what()) ==
                  invalid(text, "not a revision id, prefix or keyword"));
            CHECK(error.hint() == k_grammar);
        }
    }

} // TEST_SUITE

TEST_SUITE("resolve") {

    TEST_CASE("heads and base name a place in each branch, pre first") {
        RevisionGraph graph = sample_graph();
        REQUIRE(graph.valid());
        CHECK(resolved("heads", graph) ==
              std::vector<BranchTarget>{{Branch::pre, p3}, {Branch::post, q3}});
        CHECK(resolved("base", graph) ==
              std::vector<BranchTarget>{{Branch::pre, std::nullopt}, {Branch::post, std::nullopt}});
    }

    TEST_CASE("branch@head and branch@base name one branch only") {
        RevisionGraph graph = sample_graph();
        CHECK(resolved("pre@head", graph) == std::vector<BranchTarget>{{Branch::pre, p3}});
        CHECK(resolved("post@head", graph) == std::vector<BranchTarget>{{Branch::post, q3}});
        CHECK(resolved("post@base", graph) ==
              std::vector<BranchTarget>{{Branch::post, std::nullopt}});
    }

    TEST_CASE("the head of an empty branch is its base") {
        RevisionGraph graph({pre(p1, none)});
        CHECK(resolved("post@head", graph) ==
              std::vector<BranchTarget>{{Branch::post, std::nullopt}});
        CHECK(resolved("heads", graph) ==
              std::vector<BranchTarget>{{Branch::pre, p1}, {Branch::post, std::nullopt}});
    }

    TEST_CASE("a unique prefix or a full id names its revision in its branch") {
        RevisionGraph graph = sample_graph();
        CHECK(resolved("aa11", graph) == std::vector<BranchTarget>{{Branch::pre, p1}});
        CHECK(resolved("ab12c", graph) == std::vector<BranchTarget>{{Branch::pre, p2}});
        CHECK(resolved("CC02", graph) == std::vector<BranchTarget>{{Branch::post, q2}});
        CHECK(resolved(q3, graph) == std::vector<BranchTarget>{{Branch::post, q3}});
    }

    TEST_CASE("an ambiguous prefix lists every revision it matches") {
        RevisionGraph graph = sample_graph();
        UsageError error = usage_error([&] { resolved("ab12", graph); });
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) == "\"ab12\" is ambiguous: it matches " + p2 + " (" +
                                               path_of(Branch::pre, p2) + "), " + p3 + " (" +
                                               path_of(Branch::pre, p3) + ")");
        CHECK(error.hint() == "give more characters of the revision id");
    }

    TEST_CASE("an unknown revision is refused") {
        RevisionGraph graph = sample_graph();
        UsageError error = usage_error([&] { resolved("dddd", graph); });
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) == "no revision matches \"dddd\"");
        CHECK(error.hint() == "`ecluse history` lists every revision");

        CHECK(std::string(usage_error([&] { resolved("dddd+1", graph); }).what()) ==
              "no revision matches \"dddd+1\"");
    }

    TEST_CASE("an offset from a revision moves along its branch") {
        RevisionGraph graph = sample_graph();
        CHECK(resolved("ab12cd+1", graph) == std::vector<BranchTarget>{{Branch::pre, p3}});
        CHECK(resolved("ab12ef-2", graph) == std::vector<BranchTarget>{{Branch::pre, p1}});
        CHECK(resolved("cc01+2", graph) == std::vector<BranchTarget>{{Branch::post, q3}});
        CHECK(resolved("aa11-1", graph) == std::vector<BranchTarget>{{Branch::pre, std::nullopt}});
    }

    TEST_CASE("an offset from a revision past either end of its branch is refused") {
        RevisionGraph graph = sample_graph();
        UsageError below = usage_error([&] { resolved("aa11-2", graph); });
        CHECK(below.exit_code() == 2);
        CHECK(std::string(below.what()) == "\"aa11-2\" goes 1 revision(s) below the base of pre");
        CHECK(below.hint() == "`ecluse history` shows the chain of pre");

        UsageError past = usage_error([&] { resolved("cc02+3", graph); });
        CHECK(std::string(past.what()) == "\"cc02+3\" goes 2 revision(s) past the head of post");
        CHECK(past.hint() == "`ecluse history` shows the chain of post");
    }

    TEST_CASE("branch@-N counts down from the database's position") {
        RevisionGraph graph = sample_graph();
        Position position{p3, q2};
        CHECK(resolved("pre@-1", graph, position) == std::vector<BranchTarget>{{Branch::pre, p2}});
        CHECK(resolved("pre@-2", graph, position) == std::vector<BranchTarget>{{Branch::pre, p1}});
        CHECK(resolved("pre@-3", graph, position) ==
              std::vector<BranchTarget>{{Branch::pre, std::nullopt}});
        CHECK(resolved("post@-1", graph, position) ==
              std::vector<BranchTarget>{{Branch::post, q1}});
    }

    TEST_CASE("branch@+N counts up from the database's position, base included") {
        RevisionGraph graph = sample_graph();
        Position position{p1, std::nullopt};
        CHECK(resolved("pre@+1", graph, position) == std::vector<BranchTarget>{{Branch::pre, p2}});
        CHECK(resolved("post@+2", graph, position) ==
              std::vector<BranchTarget>{{Branch::post, q2}});
        CHECK(resolved("post@+3", graph, position) ==
              std::vector<BranchTarget>{{Branch::post, q3}});
    }

    TEST_CASE("branch@-1 at base is refused") {
        RevisionGraph graph = sample_graph();
        UsageError error = usage_error([&] { resolved("pre@-1", graph, Position{}); });
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) == "\"pre@-1\" goes 1 revision(s) below the base of pre");
        CHECK(error.hint() == "`ecluse history` shows the chain of pre");
    }

    TEST_CASE("branch@+N past the head is refused") {
        RevisionGraph graph = sample_graph();
        UsageError error = usage_error([&] { resolved("post@+1", graph, Position{p1, q3}); });
        CHECK(std::string(error.what()) == "\"post@+1\" goes 1 revision(s) past the head of post");
        CHECK(std::string(usage_error([&] { resolved("pre@+5", graph, Position{}); }).what()) ==
              "\"pre@+5\" goes 2 revision(s) past the head of pre");
    }

    TEST_CASE("branch@+N without a database position is refused") {
        RevisionGraph graph = sample_graph();
        UsageError error = usage_error([&] { resolved("pre@+1", graph); });
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) == "\"pre@+1\" is relative to the database's position");
        CHECK(error.hint() == "give a database (-d URL) or name a revision instead");
    }

    TEST_CASE("a database position unknown to the files is refused") {
        RevisionGraph graph = sample_graph();
        UsageError error = usage_error([&] {
            resolved("post@-1", graph, Position{p1, "eeeeeeeeeeee"});
        });
        CHECK(std::string(error.what()) ==
              "the database is at eeeeeeeeeeee in post, which is not among the revision files");
        CHECK(error.hint() == "`ecluse status` shows orphans; name a revision instead");
    }

} // TEST_SUITE

TEST_SUITE("resolve_revision") {

    TEST_CASE("a specifier that names one revision gives that revision") {
        RevisionGraph graph = sample_graph();
        CHECK(&resolve_revision("ab12cd", graph) == graph.find(p2));
        CHECK(&resolve_revision("pre@head", graph) == graph.find(p3));
        CHECK(&resolve_revision("cc01+1", graph) == graph.find(q2));
        CHECK(&resolve_revision("post@-1", graph, Position{std::nullopt, q3}) == graph.find(q2));
    }

    TEST_CASE("heads and base name one place per branch, not one revision") {
        RevisionGraph graph = sample_graph();
        for (const char* text : {"heads", "base"}) {
            CAPTURE(text);
            UsageError error = usage_error([&] { resolve_revision(text, graph); });
            CHECK(error.exit_code() == 2);
            CHECK(std::string(error.what()) ==
                  "\"" + std::string(text) + "\" names one place per branch, not one revision");
            CHECK(error.hint() == "name one revision: an id, a prefix, pre@head or post@head");
        }
    }

    TEST_CASE("a branch base names no revision") {
        RevisionGraph graph = sample_graph();
        UsageError error = usage_error([&] { resolve_revision("pre@base", graph); });
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) ==
              "\"pre@base\" names the base of pre, which is no revision");

        CHECK(std::string(usage_error([&] { resolve_revision("aa11-1", graph); }).what()) ==
              "\"aa11-1\" names the base of pre, which is no revision");
    }

    TEST_CASE("a specifier that cannot be parsed is refused as such") {
        RevisionGraph graph = sample_graph();
        UsageError error = usage_error([&] { resolve_revision("head", graph); });
        CHECK(error.hint() == "say pre@head or post@head for one branch, or heads for both");
    }

} // TEST_SUITE

TEST_SUITE("parse_range") {

    TEST_CASE("FROM:TO gives both sides") {
        Range range = parse_range("base:pre@head");
        REQUIRE(range.from);
        REQUIRE(range.to);
        CHECK(range.from->kind == Specifier::Kind::base);
        CHECK(range.to->kind == Specifier::Kind::branch_head);
        CHECK(range.to->branch == Branch::pre);
    }

    TEST_CASE("either side may be left out") {
        Range from_only = parse_range("a1b2:");
        REQUIRE(from_only.from);
        CHECK(from_only.from->prefix == "a1b2");
        CHECK_FALSE(from_only.to);

        Range to_only = parse_range(":post@head");
        CHECK_FALSE(to_only.from);
        REQUIRE(to_only.to);
        CHECK(to_only.to->kind == Specifier::Kind::branch_head);
        CHECK(to_only.to->branch == Branch::post);

        Range neither = parse_range(":");
        CHECK_FALSE(neither.from);
        CHECK_FALSE(neither.to);
    }

    TEST_CASE("a single specifier is TO") {
        Range range = parse_range("a1b2-1");
        CHECK_FALSE(range.from);
        REQUIRE(range.to);
        CHECK(range.to->prefix == "a1b2");
        CHECK(range.to->offset == -1);
    }

    TEST_CASE("a bad side is refused with the specifier's own error") {
        UsageError error = usage_error([] { parse_range("a1b:pre@head"); });
        CHECK(std::string(error.what()) ==
              invalid("a1b", "a revision prefix needs at least 4 hex characters"));
        CHECK(std::string(usage_error([] { parse_range("base:head"); }).what()) ==
              "\"head\" is ambiguous: ecluse has two branches, each with its own head");
        CHECK(std::string(usage_error([] { parse_range("base:pre@head:post@head"); }).what()) ==
              invalid("pre@head:post@head",
                      "after '@' comes head, base, or a signed number such as -1 or +2"));
    }

} // TEST_SUITE

TEST_SUITE("revisions_in_range") {

    TEST_CASE("an empty range is both branches from base to head, oldest first") {
        RevisionGraph graph = sample_graph();
        CHECK(ids(revisions_in_range(Range{}, graph)) == std::vector{p1, q1, p2, q2, p3, q3});
        CHECK(ids(revisions_in_range(parse_range(":"), graph)) ==
              std::vector{p1, q1, p2, q2, p3, q3});
        CHECK(ids(revisions_in_range(parse_range("base:heads"), graph)) ==
              std::vector{p1, q1, p2, q2, p3, q3});
    }

    TEST_CASE("base:pre@head is the pre branch only, like :pre@head") {
        RevisionGraph graph = sample_graph();
        CHECK(ids(revisions_in_range(parse_range("base:pre@head"), graph)) ==
              std::vector{p1, p2, p3});
        CHECK(ids(revisions_in_range(parse_range(":pre@head"), graph)) == std::vector{p1, p2, p3});
        CHECK(ids(revisions_in_range(parse_range("pre@base:pre@head"), graph)) ==
              std::vector{p1, p2, p3});
    }

    TEST_CASE("FROM: runs from FROM, inclusive, to the head of its branch") {
        RevisionGraph graph = sample_graph();
        CHECK(ids(revisions_in_range(parse_range("ab12cd:"), graph)) == std::vector{p2, p3});
        CHECK(ids(revisions_in_range(parse_range("ab12cd:heads"), graph)) == std::vector{p2, p3});
        CHECK(ids(revisions_in_range(parse_range("cc03:"), graph)) == std::vector{q3});
    }

    TEST_CASE(":post@head is the post branch from its base") {
        RevisionGraph graph = sample_graph();
        CHECK(ids(revisions_in_range(parse_range(":post@head"), graph)) == std::vector{q1, q2, q3});
    }

    TEST_CASE("a single specifier runs from base up to it") {
        RevisionGraph graph = sample_graph();
        CHECK(ids(revisions_in_range(parse_range("cc02"), graph)) == std::vector{q1, q2});
        CHECK(ids(revisions_in_range(parse_range("heads"), graph)) ==
              std::vector{p1, q1, p2, q2, p3, q3});
        CHECK(revisions_in_range(parse_range("pre@base"), graph).empty());
    }

    TEST_CASE("FROM and TO are both inclusive") {
        RevisionGraph graph = sample_graph();
        CHECK(ids(revisions_in_range(parse_range("aa11:ab12cd"), graph)) == std::vector{p1, p2});
        CHECK(ids(revisions_in_range(parse_range("cc02:cc02"), graph)) == std::vector{q2});
    }

    TEST_CASE("relative specifiers use the database's position") {
        RevisionGraph graph = sample_graph();
        Position position{p2, q1};
        CHECK(ids(revisions_in_range(parse_range("pre@-1:pre@+1"), graph, position)) ==
              std::vector{p1, p2, p3});
    }

    TEST_CASE("FROM after TO is refused") {
        RevisionGraph graph = sample_graph();
        for (const char* text : {"ab12ef:ab12cd", "ab12cd:aa11", "aa11:pre@base", "cc03:cc01"}) {
            CAPTURE(text);
            UsageError error = usage_error([&] { revisions_in_range(parse_range(text), graph); });
            CHECK(error.exit_code() == 2);
            std::string branch = std::string(text).substr(0, 2) == "cc" ? "post" : "pre";
            CHECK(std::string(error.what()) ==
                  "the range's start comes after its end in " + branch);
            CHECK(error.hint() == "write the older revision first: FROM:TO");
        }
    }

    TEST_CASE("FROM and TO in different branches are refused") {
        RevisionGraph graph = sample_graph();
        UsageError error =
            usage_error([&] { revisions_in_range(parse_range("pre@base:post@head"), graph); });
        CHECK(error.exit_code() == 2);
        CHECK(std::string(error.what()) ==
              "the range's start \"pre@base\" and end \"post@head\" are in different branches");
        CHECK(error.hint() ==
              "a range runs along one branch, or both: pre@base:pre@head, base:heads");

        CHECK(std::string(usage_error([&] {
                              revisions_in_range(parse_range("aa11:cc02"), graph);
                          }).what()) ==
              "the range's start \"aa11\" and end \"cc02\" are in different branches");
    }

} // TEST_SUITE
