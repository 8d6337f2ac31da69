#include "graph/graph_layout.hpp"
#include "graph/snapshots.hpp"
#include "tests/unit/graph/revision_builder.hpp"

#include <doctest/doctest.h>

using namespace ecluse;
using namespace ecluse::test;

namespace {

// Each row as one line: a character per column (' ' empty, '|' line, '*'
// the revision, 'o' the snapshot), a space, then the revision's id or the
// snapshot's name, with the marks `head` and `branchpoint`.
std::vector<std::string> rows_of(const GraphLayout& layout) {
    std::vector<std::string> out;
    for (const GraphRow& row : layout.rows) {
        std::string line;
        for (GraphCell cell : row.cells) {
            line += cell == GraphCell::empty      ? ' '
                    : cell == GraphCell::line     ? '|'
                    : cell == GraphCell::revision ? '*'
                                                  : 'o';
        }
        line += ' ';
        line += row.revision != nullptr ? row.revision->revision.substr(0, 4) : row.snapshot->name;
        line += row.head ? " head" : "";
        line += row.branchpoint ? " branchpoint" : "";
        out.push_back(line);
    }
    return out;
}

std::string id(char c) {
    return std::string(12, c);
}

} // namespace

TEST_SUITE("graph_layout") {

    TEST_CASE("a linear branch is one lane, newest first, its head marked") {
        RevisionGraph graph({pre(id('a'), none, "2026-01-01T00:00:00Z"),
                             pre(id('b'), id('a'), "2026-01-02T00:00:00Z"),
                             pre(id('c'), id('b'), "2026-01-03T00:00:00Z")});
        GraphLayout layout = layout_graph(graph, {});
        CHECK(layout.pre_columns == 1);
        CHECK(layout.post_columns == 0);
        CHECK(rows_of(layout) == std::vector<std::string>{"* cccc head", "* bbbb", "* aaaa"});
        CHECK(layout.rows[0].joins.empty());
    }

    TEST_CASE("both branches interleave by creation, pre's lane left of post's") {
        RevisionGraph graph({pre(id('a'), none, "2026-01-01T00:00:00Z"),
                             post(id('1'), none, "2026-01-02T00:00:00Z"),
                             pre(id('b'), id('a'), "2026-01-03T00:00:00Z"),
                             post(id('2'), id('1'), "2026-01-04T00:00:00Z")});
        GraphLayout layout = layout_graph(graph, {});
        CHECK(layout.pre_columns == 1);
        CHECK(layout.post_columns == 1);
        CHECK(rows_of(layout) ==
              std::vector<std::string>{" * 2222 head", "*| bbbb head", "|* 1111", "*  aaaa"});
        CHECK(layout.rows[0].column == 1);
        CHECK(layout.rows[1].column == 0);
    }

    TEST_CASE("a post revision stays above the pre revision it depends on") {
        // Created before it, the post revision still comes after its
        // dependency: rows follow the order upgrade applies them in.
        RevisionGraph graph({pre(id('a'), none, "2026-01-02T00:00:00Z"),
                             post(id('1'), none, "2026-01-01T00:00:00Z", {id('a')})});
        GraphLayout layout = layout_graph(graph, {});
        CHECK(rows_of(layout) == std::vector<std::string>{" * 1111 head", "*  aaaa head"});
        REQUIRE(layout.rows[0].revision != nullptr);
        CHECK(layout.rows[0].revision->depends_on == std::vector<std::string>{id('a')});
    }

    TEST_CASE("two heads on one branch get a lane each, joined at their branchpoint") {
        // After a git merge of two lines of work, before `ecluse rebase`.
        RevisionGraph graph({pre(id('a'), none, "2026-01-01T00:00:00Z"),
                             pre(id('b'), id('a'), "2026-01-02T00:00:00Z"),
                             pre(id('c'), id('b'), "2026-01-03T00:00:00Z"),
                             pre(id('d'), id('b'), "2026-01-04T00:00:00Z"),
                             pre(id('e'), id('d'), "2026-01-05T00:00:00Z")});
        REQUIRE(graph.heads(Branch::pre).size() == 2);
        GraphLayout layout = layout_graph(graph, {});
        CHECK(layout.pre_columns == 2);
        CHECK(rows_of(layout) == std::vector<std::string>{"*  eeee head", "*  dddd", "|* cccc head",
                                                          "*  bbbb branchpoint", "*  aaaa"});
        // The line of c ends above b, into b's column.
        CHECK(layout.rows[3].joins == std::vector<std::size_t>{1});
        CHECK(layout.rows[3].column == 0);
    }

    TEST_CASE("a third line of work opens a third lane; lanes merge where they meet") {
        // c and d stand on b, e on a: two branchpoints, one above the other.
        RevisionGraph graph({pre(id('a'), none, "2026-01-01T00:00:00Z"),
                             pre(id('b'), id('a'), "2026-01-02T00:00:00Z"),
                             pre(id('c'), id('b'), "2026-01-03T00:00:00Z"),
                             pre(id('d'), id('b'), "2026-01-04T00:00:00Z"),
                             pre(id('e'), id('a'), "2026-01-05T00:00:00Z")});
        GraphLayout layout = layout_graph(graph, {});
        CHECK(layout.pre_columns == 3);
        CHECK(rows_of(layout) == std::vector<std::string>{"*   eeee head", "|*  dddd head",
                                                          "||* cccc head", "|*  bbbb branchpoint",
                                                          "*   aaaa branchpoint"});
        CHECK(layout.rows[3].joins == std::vector<std::size_t>{2});
        CHECK(layout.rows[4].joins == std::vector<std::size_t>{1});
    }

    TEST_CASE("post's lanes start after the most lanes pre needs at once") {
        // pre's line of c ended at b; post's lanes start after pre's widest.
        RevisionGraph graph({pre(id('a'), none, "2026-01-01T00:00:00Z"),
                             pre(id('b'), id('a'), "2026-01-02T00:00:00Z"),
                             pre(id('c'), id('a'), "2026-01-03T00:00:00Z"),
                             post(id('1'), none, "2026-01-04T00:00:00Z")});
        GraphLayout layout = layout_graph(graph, {});
        CHECK(layout.pre_columns == 2);
        CHECK(layout.post_columns == 1);
        CHECK(rows_of(layout) == std::vector<std::string>{"  * 1111 head", "*   cccc head",
                                                          "|*  bbbb head", "*   aaaa branchpoint"});
        CHECK(layout.rows[0].column == 2);
        CHECK(layout.rows[3].joins == std::vector<std::size_t>{1});
    }

    TEST_CASE("a snapshot whose revisions are still on disk sits above the newest of them") {
        auto a = pre(id('a'), none, "2026-01-01T00:00:00Z");
        auto b = pre(id('b'), id('a'), "2026-01-02T00:00:00Z");
        auto one = post(id('1'), none, "2026-01-03T00:00:00Z");
        auto c = pre(id('c'), id('b'), "2026-01-04T00:00:00Z");
        RevisionGraph graph({a, b, one, c});
        std::vector<SnapshotFile> snapshots = {
            snapshot_of("1_snap.sql", id('b'), id('1'), {a, b, one})};
        GraphLayout layout = layout_graph(graph, snapshots);
        CHECK(rows_of(layout) == std::vector<std::string>{"*  cccc head", "oo 1_snap.sql",
                                                          "|* 1111 head", "*  bbbb", "*  aaaa"});
        CHECK(layout.rows[1].snapshot == &snapshots[0]);
    }

    TEST_CASE("a snapshot whose files are deleted ends the lanes at the bottom") {
        auto a = pre(id('a'), none, "2026-01-01T00:00:00Z");
        auto b = pre(id('b'), id('a'), "2026-01-02T00:00:00Z");
        auto one = post(id('1'), none, "2026-01-03T00:00:00Z");
        std::vector<SnapshotFile> snapshots = {
            snapshot_of("2_snap.sql", id('b'), id('1'), {a, b, one})};
        // Only what came after the snapshot is on disk.
        RevisionGraph graph({pre(id('c'), id('b'), "2026-01-04T00:00:00Z"),
                             post(id('2'), id('1'), "2026-01-05T00:00:00Z")},
                            replaced_revisions(snapshots));
        REQUIRE(graph.valid());
        GraphLayout layout = layout_graph(graph, snapshots);
        CHECK(rows_of(layout) ==
              std::vector<std::string>{" * 2222 head", "*| cccc head", "oo 2_snap.sql"});
    }

    TEST_CASE("a snapshot of an empty branch has no cell in it") {
        auto a = pre(id('a'), none, "2026-01-01T00:00:00Z");
        std::vector<SnapshotFile> snapshots = {
            snapshot_of("1_pre.sql", id('a'), std::nullopt, {a})};
        RevisionGraph graph({a, post(id('1'), none, "2026-01-02T00:00:00Z")},
                            replaced_revisions(snapshots));
        GraphLayout layout = layout_graph(graph, snapshots);
        CHECK(rows_of(layout) ==
              std::vector<std::string>{" * 1111 head", "o  1_pre.sql", "*  aaaa head"});
    }

    TEST_CASE("an empty graph has no row") {
        RevisionGraph graph(std::vector<RevisionFile>{});
        GraphLayout layout = layout_graph(graph, {});
        CHECK(layout.rows.empty());
        CHECK(layout.columns() == 0);
    }
}
