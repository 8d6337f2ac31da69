#include "graph/graph_layout.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace ecluse {

namespace {

// The lanes of one branch, by column: the id of the revision (or snapshot
// head) each goes down to next, or nullopt for a free column.
class Lanes {
public:
    // The first free column, now going down to `id`.
    std::size_t open(const std::string& id) {
        auto free = std::find(m_expected.begin(), m_expected.end(), std::nullopt);
        if (free == m_expected.end()) {
            m_expected.emplace_back(id);
            return m_expected.size() - 1;
        }
        *free = id;
        return static_cast<std::size_t>(free - m_expected.begin());
    }
    // The columns going down to `id`, leftmost first.
    std::vector<std::size_t> expecting(std::string_view id) const {
        std::vector<std::size_t> out;
        for (std::size_t column = 0; column < m_expected.size(); ++column) {
            if (m_expected[column] == id) {
                out.push_back(column);
            }
        }
        return out;
    }
    void set(std::size_t column, std::optional<std::string> id) {
        m_expected[column] = std::move(id);
    }
    // A row's cells: a line in every open column.
    std::vector<GraphCell> cells() const {
        std::vector<GraphCell> out;
        for (const auto& expected : m_expected) {
            out.push_back(expected ? GraphCell::line : GraphCell::empty);
        }
        return out;
    }
    std::size_t width() const { return m_expected.size(); }

private:
    std::vector<std::optional<std::string>> m_expected;
};

std::size_t index(Branch branch) {
    return branch == Branch::pre ? 0 : 1;
}

bool is_head(const RevisionGraph& graph, const RevisionFile& revision) {
    const auto& heads = graph.heads(revision.branch);
    return std::find(heads.begin(), heads.end(), &revision) != heads.end();
}

// A row before its columns are joined into one list: each branch's cells.
struct PendingRow {
    GraphRow row;
    Branch branch = Branch::pre; // of `row.column` and `row.joins`
    std::array<std::vector<GraphCell>, 2> cells;
};

} // namespace

GraphLayout layout_graph(const RevisionGraph& graph, const std::vector<SnapshotFile>& snapshots) {
    std::vector<const RevisionFile*> revisions = graph.topological_order();
    std::reverse(revisions.begin(), revisions.end());
    // Each snapshot goes above the newest revision it replaces that is on
    // disk; one that replaces none on disk goes at the bottom.
    std::map<const RevisionFile*, std::vector<const SnapshotFile*>> above;
    std::vector<const SnapshotFile*> bottom;
    std::set<std::string, std::less<>> bottom_heads;
    std::map<const RevisionFile*, std::size_t> row_of;
    for (std::size_t i = 0; i < revisions.size(); ++i) {
        row_of[revisions[i]] = i;
    }
    for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
        const RevisionFile* newest = nullptr;
        for (const ReplacedRevision& replaced : it->replaces) {
            const RevisionFile* revision = graph.find(replaced.revision);
            if (revision != nullptr && (newest == nullptr || row_of[revision] < row_of[newest])) {
                newest = revision;
            }
        }
        if (newest != nullptr) {
            above[newest].push_back(&*it);
            continue;
        }
        bottom.push_back(&*it);
        for (Branch branch : k_branches) {
            if (it->head(branch)) {
                bottom_heads.insert(*it->head(branch));
            }
        }
    }

    std::array<Lanes, 2> lanes;
    std::vector<PendingRow> rows;
    auto add_snapshot_row = [&](const SnapshotFile& snapshot) {
        PendingRow pending;
        pending.row.snapshot = &snapshot;
        std::array<std::vector<std::size_t>, 2> ended;
        std::array<std::vector<std::size_t>, 2> marked;
        for (Branch branch : k_branches) {
            Lanes& own = lanes[index(branch)];
            const auto& head = snapshot.head(branch);
            if (!head) {
                continue;
            }
            std::vector<std::size_t> columns = own.expecting(*head);
            if (columns.empty()) {
                columns.push_back(own.open(*head));
            }
            bool on_disk = graph.find(*head) != nullptr;
            // A head on disk keeps its lanes going down to it; a deleted
            // one ends them here.
            marked[index(branch)] = on_disk ? std::vector<std::size_t>{columns.front()} : columns;
            if (!on_disk) {
                ended[index(branch)] = columns;
            }
        }
        for (Branch branch : k_branches) {
            auto& cells = pending.cells[index(branch)];
            cells = lanes[index(branch)].cells();
            for (std::size_t column : marked[index(branch)]) {
                cells[column] = GraphCell::snapshot;
            }
            for (std::size_t column : ended[index(branch)]) {
                lanes[index(branch)].set(column, std::nullopt);
            }
        }
        rows.push_back(std::move(pending));
    };

    for (const RevisionFile* revision : revisions) {
        for (const SnapshotFile* snapshot : above[revision]) {
            add_snapshot_row(*snapshot);
        }
        Lanes& own = lanes[index(revision->branch)];
        PendingRow pending;
        pending.branch = revision->branch;
        pending.row.revision = revision;
        pending.row.head = is_head(graph, *revision);
        std::vector<std::size_t> columns = own.expecting(revision->revision);
        std::size_t column = columns.empty() ? own.open(revision->revision) : columns.front();
        pending.row.column = column;
        pending.row.branchpoint = columns.size() > 1;
        for (std::size_t i = 1; i < columns.size(); ++i) {
            pending.row.joins.push_back(columns[i]);
            own.set(columns[i], std::nullopt);
        }
        for (Branch branch : k_branches) {
            pending.cells[index(branch)] = lanes[index(branch)].cells();
        }
        pending.cells[index(revision->branch)][column] = GraphCell::revision;
        // The lane goes on to the parent, on disk or at a snapshot below.
        const auto& parent = revision->down_revision;
        bool goes_on =
            parent && (graph.find(*parent) != nullptr || bottom_heads.count(*parent) != 0);
        own.set(column, goes_on ? parent : std::nullopt);
        rows.push_back(std::move(pending));
    }
    for (const SnapshotFile* snapshot : bottom) {
        add_snapshot_row(*snapshot);
    }

    GraphLayout layout;
    layout.pre_columns = lanes[0].width();
    layout.post_columns = lanes[1].width();
    for (PendingRow& pending : rows) {
        GraphRow& row = pending.row;
        auto& pre_cells = pending.cells[0];
        auto& post_cells = pending.cells[1];
        pre_cells.resize(layout.pre_columns, GraphCell::empty);
        post_cells.resize(layout.post_columns, GraphCell::empty);
        row.cells = pre_cells;
        row.cells.insert(row.cells.end(), post_cells.begin(), post_cells.end());
        if (row.revision != nullptr && pending.branch == Branch::post) {
            row.column += layout.pre_columns;
            for (std::size_t& join : row.joins) {
                join += layout.pre_columns;
            }
        }
        layout.rows.push_back(std::move(row));
    }
    return layout;
}

} // namespace ecluse
