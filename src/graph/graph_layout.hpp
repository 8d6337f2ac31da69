#pragma once

// The revision graph laid out for drawing, as `git log --graph` lays out
// commits: one row per revision (or snapshot), newest first, each in a
// lane; pre's lanes on the left, post's on the right. A branch has one lane,
// and one more for each extra head while lines of work diverge. Pure: the
// caller draws it (text, Mermaid) and adds what a database says.

#include "graph/revision_graph.hpp"
#include "script/snapshot_file.hpp"

#include <cstddef>
#include <vector>

namespace ecluse {

// What a row shows in one column.
enum class GraphCell {
    empty,    // no lane here
    line,     // a lane passing by
    revision, // the row's revision
    snapshot, // the row's snapshot, where this lane's history ends or resumes
};

struct GraphRow {
    const RevisionFile* revision = nullptr; // nullptr on a snapshot's row
    const SnapshotFile* snapshot = nullptr; // nullptr on a revision's row
    std::vector<GraphCell> cells;           // one per column, GraphLayout::columns
    // Columns whose lane ends just above this row, joining the revision's
    // column: the other lines of work that stand on it (a branchpoint).
    std::vector<std::size_t> joins;
    std::size_t column = 0;   // the revision's column (revision rows)
    bool head = false;        // a head of its branch
    bool branchpoint = false; // where lines of work of its branch part
};

struct GraphLayout {
    std::size_t pre_columns = 0;  // columns 0 .. pre_columns - 1
    std::size_t post_columns = 0; // the columns after those
    std::vector<GraphRow> rows;   // newest first

    std::size_t columns() const { return pre_columns + post_columns; }
};

// Every revision of `graph` in reverse topological order (a revision above
// its parent and its dependencies), and a row per snapshot, just above the
// newest revision it replaces that is still on disk, else at the bottom
// (newest first): there a branch's lane ends when the files below were
// deleted. `snapshots` oldest first, as load_snapshot_files gives them.
// Requires an acyclic graph with known parents: valid, or whose only
// problems are branches with several heads. The rows point into `graph`
// and `snapshots`, which must outlive the layout.
GraphLayout layout_graph(const RevisionGraph& graph, const std::vector<SnapshotFile>& snapshots);

} // namespace ecluse
