#include "cli/command.hpp"
#include "cli/database.hpp"
#include "graph/graph_layout.hpp"
#include "graph/specifier.hpp"
#include "runtime/database_state.hpp"
#include "script/snapshot_file.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <iostream>
#include <map>
#include <utility>
#include <vector>

namespace ecluse::cli {

namespace {

// Alembic's history line: "parent -> revision (branch) (head), message";
// `mark` replaces "(head)" when the branch has two heads.
void append_history_line(std::string& out, const RevisionFile& revision, const RevisionGraph& graph,
                         const std::string* mark = nullptr) {
    out += revision.down_revision ? std::string_view(*revision.down_revision) : "<base>";
    out += " -> ";
    out += revision.revision;
    out += " (";
    out += branch_name(revision.branch);
    out += ')';
    if (mark != nullptr) {
        out += mark->empty() ? "" : " (" + *mark + ")";
    } else if (graph.chain(revision.branch).back() == &revision) {
        out += " (head)";
    }
    if (!revision.depends_on.empty()) {
        out += " (depends on ";
        out += join(revision.depends_on, ", ");
        out += ')';
    }
    out += ", ";
    out += revision.message;
    out += '\n';
}

std::string verbose_block(const RevisionFile& revision, const RevisionGraph& graph) {
    std::string block = "Rev: " + revision.revision + " (" +
                        std::string(branch_name(revision.branch)) + ")" +
                        (graph.head(revision.branch) == revision.revision ? " (head)" : "") +
                        "\nParent: " + revision.down_revision.value_or("<base>") + "\n";
    if (!revision.depends_on.empty()) {
        block += "Depends on: " + join(revision.depends_on, ", ") + "\n";
    }
    block += "Path: " + revision.path + "\nCreated: " + revision.created +
             "\nTransaction: " + std::string(transaction_mode_name(revision.transaction)) +
             "\n\n    " + revision.message + "\n";
    return block;
}

// Whether the graph's only problems are branches with two heads or more,
// as a git merge of two lines of work leaves them until `ecluse rebase`.
bool only_several_heads(const RevisionGraph& graph) {
    std::size_t branches = 0;
    for (Branch branch : k_branches) {
        branches += graph.heads(branch).size() > 1 ? 1 : 0;
    }
    return branches != 0 && graph.problems().size() == branches;
}

// A branch with several heads, newest first: each head's own line of work
// (its revisions marked with their head), then what the lines share from
// the branchpoint down, with each revision's mark ("head", "line of head
// ID", "branchpoint" or "").
std::vector<std::pair<const RevisionFile*, std::string>> lines_of_work(const RevisionGraph& graph,
                                                                       Branch branch) {
    auto parent = [&](const RevisionFile* revision) -> const RevisionFile* {
        const RevisionFile* up =
            revision->down_revision ? graph.find(*revision->down_revision) : nullptr;
        return up != nullptr && up->branch == branch ? up : nullptr;
    };
    std::map<const RevisionFile*, int> reached; // by how many heads
    for (const RevisionFile* head : graph.heads(branch)) {
        for (const RevisionFile* at = head; at != nullptr; at = parent(at)) {
            ++reached[at];
        }
    }
    std::vector<std::pair<const RevisionFile*, std::string>> out;
    if (graph.heads(branch).size() < 2) {
        for (const RevisionFile* head : graph.heads(branch)) {
            for (const RevisionFile* at = head; at != nullptr; at = parent(at)) {
                out.emplace_back(at, at == head ? "head" : "");
            }
        }
        return out;
    }
    const RevisionFile* trunk = nullptr;
    for (const RevisionFile* head : graph.heads(branch)) {
        const RevisionFile* at = head;
        for (; at != nullptr && reached[at] == 1; at = parent(at)) {
            out.emplace_back(at, at == head ? "head" : "line of head " + head->revision);
        }
        trunk = trunk != nullptr ? trunk : at;
    }
    for (const RevisionFile* at = trunk; at != nullptr; at = parent(at)) {
        out.emplace_back(at, at == trunk ? "branchpoint" : "");
    }
    return out;
}

// The graph's problems, on stderr, as warnings: history still prints.
void print_warnings(const RevisionGraph& graph) {
    for (const Diagnostic& problem : graph.problems()) {
        std::cerr << "warning: " << problem.message << '\n';
        if (!problem.hint.empty()) {
            std::cerr << "  hint: " << problem.hint << '\n';
        }
    }
}

// `history` while a branch has two heads: both lines of work, marked, and
// the problem as a warning (exit 0; `check` still fails).
int print_lines_of_work(const Invocation& invocation, const RevisionGraph& graph) {
    bool json = invocation.settings.format == OutputFormat::json;
    nlohmann::json list = nlohmann::json::array();
    std::string out;
    for (Branch branch : {Branch::post, Branch::pre}) {
        for (const auto& [revision, mark] : lines_of_work(graph, branch)) {
            if (json) {
                nlohmann::json entry = revision_json(*revision, graph);
                entry["mark"] = text_or_null(mark);
                list.push_back(entry);
            } else {
                append_history_line(out, *revision, graph, &mark);
            }
        }
    }
    if (json) {
        print_json({{"revisions", list}});
    } else {
        std::cout << out;
    }
    print_warnings(graph);
    return 0;
}

// Each revision's state in the database, by id, and the orphans; empty
// without a database. A graph with several heads has no single chain to
// find holes in: its revisions are applied or pending.
struct DatabaseMarks {
    std::map<std::string, std::string, std::less<>> state;
    std::vector<RevisionStatus> orphans;
};

DatabaseMarks database_marks(const Settings& settings, const RevisionGraph& graph,
                             const Project& project) {
    DatabaseMarks marks;
    if (!settings.database_url) {
        return marks;
    }
    DatabaseSession session = open_database(settings, false);
    std::vector<AppliedRevision> applied = session.ledger->applied();
    if (!graph.valid()) {
        for (const AppliedRevision& revision : applied) {
            marks.state[revision.revision] = "applied";
        }
        for (const RevisionFile& revision : graph.revisions()) {
            marks.state.emplace(revision.revision, "pending");
        }
        return marks;
    }
    for (RevisionStatus& status :
         revision_states(graph, project, applied, session.ledger->progress())) {
        if (status.state == RevisionState::orphan) {
            marks.orphans.push_back(std::move(status));
        } else {
            marks.state[status.revision] = state_name(status.state);
        }
    }
    return marks;
}

// "pre 93ab11f0c2de", for a dependency; "(snapshot)" when its file is gone.
std::string dependency_name(const RevisionGraph& graph, const std::string& id) {
    if (const RevisionFile* revision = graph.find(id)) {
        return std::string(branch_name(revision->branch)) + " " + id;
    }
    if (const ReplacedBy* replaced = graph.replaced(id)) {
        return std::string(branch_name(replaced->branch)) + " " + id + " (in " +
               replaced->snapshot + ")";
    }
    return id;
}

// "replaces 3 pre revisions up to a1b2c3d4e5f6 and no post revision".
std::string snapshot_summary(const SnapshotFile& snapshot) {
    std::string out = "replaces";
    for (Branch branch : k_branches) {
        std::size_t count = 0;
        for (const ReplacedRevision& replaced : snapshot.replaces) {
            count += replaced.branch == branch ? 1 : 0;
        }
        out += branch == Branch::pre ? " " : " and ";
        if (snapshot.head(branch)) {
            out += std::to_string(count) + " " + std::string(branch_name(branch)) +
                   (count == 1 ? " revision" : " revisions") + " up to " + *snapshot.head(branch);
        } else {
            out += "no " + std::string(branch_name(branch)) + " revision";
        }
    }
    return out;
}

// The marks after a revision's id: "(pre) (head) [applied]".
std::string revision_marks(const GraphRow& row, const DatabaseMarks& marks) {
    const RevisionFile& revision = *row.revision;
    std::string out = "(" + std::string(branch_name(revision.branch)) + ")";
    out += row.head ? " (head)" : "";
    out += row.branchpoint ? " (branchpoint)" : "";
    if (auto it = marks.state.find(revision.revision); it != marks.state.end()) {
        out += " [" + it->second + "]";
    }
    return out;
}

// The lines drawn above a row whose column other lanes join, as git draws
// them: each joining lane steps one column left per line (`|/ /`, then
// `|/`); one with a lane passing in between runs under it (`|_|/`).
std::string join_lines(const GraphRow& row) {
    std::vector<std::size_t> moving = row.joins; // their columns, this line
    std::string out;
    while (!moving.empty()) {
        std::string line(row.cells.size() * 2, ' ');
        for (std::size_t column = 0; column < row.cells.size(); ++column) {
            if (row.cells[column] != GraphCell::empty) {
                line[column * 2] = '|';
            }
        }
        std::vector<std::size_t> next;
        for (std::size_t column : moving) {
            line[column * 2 - 1] = '/';
            bool crossing = false;
            for (std::size_t between = row.column + 1; between < column; ++between) {
                crossing = crossing || row.cells[between] != GraphCell::empty;
            }
            if (crossing) {
                for (std::size_t at = row.column * 2 + 1; at + 1 < column * 2; ++at) {
                    line[at] = line[at] == ' ' ? '_' : line[at];
                }
            } else if (column - 1 != row.column) {
                next.push_back(column - 1);
            }
        }
        line.erase(line.find_last_not_of(' ') + 1);
        out += line + "\n";
        moving = std::move(next);
    }
    return out;
}

std::string text_graph(const GraphLayout& layout, const RevisionGraph& graph,
                       const DatabaseMarks& marks) {
    std::string out;
    for (const GraphRow& row : layout.rows) {
        if (!row.joins.empty()) {
            out += join_lines(row);
        }
        std::string lanes;
        for (GraphCell cell : row.cells) {
            lanes += cell == GraphCell::empty      ? "  "
                     : cell == GraphCell::line     ? "| "
                     : cell == GraphCell::revision ? "* "
                                                   : "o ";
        }
        out += lanes + " ";
        if (row.snapshot != nullptr) {
            out += "(snapshot) " + row.snapshot->name + ", " + snapshot_summary(*row.snapshot);
        } else {
            out += row.revision->revision + " " + revision_marks(row, marks) + ", " +
                   row.revision->message;
            std::vector<std::string> dependencies;
            for (const std::string& dependency : row.revision->depends_on) {
                dependencies.push_back(dependency_name(graph, dependency));
            }
            out += dependencies.empty() ? "" : "  \u2190 depends on " + join(dependencies, ", ");
        }
        out += "\n";
    }
    for (const RevisionStatus& orphan : marks.orphans) {
        out += "orphan " + orphan.revision + " (" + std::string(branch_name(orphan.branch)) +
               "), " + orphan.message + ": applied, missing from disk\n";
    }
    return out;
}

// Text inside a Mermaid label's quotes: the characters Mermaid or HTML
// would read as syntax become entity codes (`#35;` is `#`).
std::string mermaid_label(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '"':
        case '#':
        case '&':
        case '<':
        case '>':
        case '`':
            out += "#" + std::to_string(static_cast<int>(c)) + ";";
            break;
        default:
            out += c;
        }
    }
    return out;
}

// A node id: `r_` and the revision id, or `snapshot_` and the snapshot's
// file name in letters, digits and `_`, so that ids stay the same from one
// run to the next (a diff of the chart shows what changed).
std::string mermaid_id(const GraphRow& row) {
    if (row.revision != nullptr) {
        return "r_" + row.revision->revision;
    }
    std::string_view name = row.snapshot->name;
    name = name.ends_with(".sql") ? name.substr(0, name.size() - 4) : name;
    std::string id = "snapshot_";
    for (char c : name) {
        id += std::isalnum(static_cast<unsigned char>(c)) != 0 ? c : '_';
    }
    return id;
}

// The same graph as a Mermaid flowchart: a subgraph per branch, newest at
// the top, each revision pointing at its parent; dotted arrows for
// depends_on and for what a snapshot stands for.
std::string mermaid_graph(const GraphLayout& layout, const RevisionGraph& graph,
                          const DatabaseMarks& marks) {
    std::map<std::string, std::string, std::less<>> node_of;          // revision id -> node
    std::map<std::string, std::string, std::less<>> snapshot_of_head; // deleted head -> node
    for (const GraphRow& row : layout.rows) {
        if (row.revision != nullptr) {
            node_of[row.revision->revision] = mermaid_id(row);
        } else {
            for (Branch branch : k_branches) {
                const auto& head = row.snapshot->head(branch);
                if (head && graph.find(*head) == nullptr) {
                    snapshot_of_head.emplace(*head, mermaid_id(row));
                }
            }
        }
    }
    std::string out = "flowchart TB\n";
    std::map<std::string, std::vector<std::string>> by_state;
    for (Branch branch : k_branches) {
        std::string name(branch_name(branch));
        out += "  subgraph " + name + "_branch [\"" + name + "\"]\n";
        for (const GraphRow& row : layout.rows) {
            if (row.revision == nullptr || row.revision->branch != branch) {
                continue;
            }
            out += "    " + mermaid_id(row) + "[\"" + row.revision->revision + " " +
                   mermaid_label(revision_marks(row, marks)) + "<br/>" +
                   mermaid_label(row.revision->message) + "\"]\n";
            if (auto it = marks.state.find(row.revision->revision); it != marks.state.end()) {
                by_state[it->second].push_back(mermaid_id(row));
            }
        }
        for (const RevisionStatus& orphan : marks.orphans) {
            if (orphan.branch == branch) {
                out += "    r_" + orphan.revision + "[\"" + orphan.revision + " (" + name +
                       ") [orphan]<br/>" + mermaid_label(orphan.message) + "\"]\n";
                by_state["orphan"].push_back("r_" + orphan.revision);
            }
        }
        out += "  end\n";
    }
    std::string edges;
    for (const GraphRow& row : layout.rows) {
        std::string id = mermaid_id(row);
        if (row.snapshot != nullptr) {
            out += "  " + id + "[(\"snapshot " + mermaid_label(row.snapshot->name) + "<br/>" +
                   mermaid_label(snapshot_summary(*row.snapshot)) + "\")]\n";
            for (Branch branch : k_branches) {
                const auto& head = row.snapshot->head(branch);
                if (auto it = head ? node_of.find(*head) : node_of.end(); it != node_of.end()) {
                    edges += "  " + id + " -.->|replaces up to| " + it->second + "\n";
                }
            }
            continue;
        }
        const auto& parent = row.revision->down_revision;
        if (auto it = parent ? node_of.find(*parent) : node_of.end(); it != node_of.end()) {
            edges += "  " + id + " --> " + it->second + "\n";
        } else if (auto at = parent ? snapshot_of_head.find(*parent) : snapshot_of_head.end();
                   at != snapshot_of_head.end()) {
            edges += "  " + id + " --> " + at->second + "\n";
        }
        for (const std::string& dependency : row.revision->depends_on) {
            if (auto it = node_of.find(dependency); it != node_of.end()) {
                edges += "  " + id + " -.->|depends on| " + it->second + "\n";
            }
        }
    }
    out += edges;
    if (!by_state.empty()) {
        out += "  classDef applied fill:#d4edda,stroke:#28a745\n"
               "  classDef pending fill:#fff3cd,stroke:#ffc107\n"
               "  classDef problem fill:#f8d7da,stroke:#dc3545\n";
        for (const auto& [state, nodes] : by_state) {
            std::string style = state == "applied" || state == "pending" ? state : "problem";
            out += "  class " + join(nodes, ",") + " " + style + "\n";
        }
    }
    return out;
}

// `history --graph` (and `--format mermaid`): both branches drawn, with
// each revision's state when a database is given. A graph whose only
// problems are several heads is drawn too, the problems as warnings.
int print_graph(const Invocation& invocation, const po::variables_map& values) {
    const Settings& settings = invocation.settings;
    if (values.count("rev-range") != 0) {
        throw UsageError("ecluse history: --graph draws every revision; -r is for the list",
                         "drop -r, or drop --graph to list a range");
    }
    if (settings.format == OutputFormat::json) {
        throw UsageError("ecluse history: --graph prints text or mermaid, not json",
                         "`ecluse history --format json` lists the revisions with their links");
    }
    auto [project, graph] = load_project(settings);
    if (!only_several_heads(graph)) {
        graph.require_valid();
    }
    const std::vector<SnapshotFile> snapshots = load_snapshot_files(settings.root);
    GraphLayout layout = layout_graph(graph, snapshots);
    DatabaseMarks marks = database_marks(settings, graph, project);
    std::cout << (settings.format == OutputFormat::mermaid ? mermaid_graph(layout, graph, marks)
                                                           : text_graph(layout, graph, marks));
    print_warnings(graph);
    return 0;
}

} // namespace

CommandOptions history_options() {
    CommandOptions options("history");
    options.options.add_options()(
        "rev-range,r", po::value<std::string>()->value_name("RANGE"),
        "FROM:TO, either side optional (base:pre@head, a1b2:, :post@head)")(
        "graph", "draw both branches, newest first: a lane per line of work, heads, depends_on, "
                 "snapshots; with a database, each revision applied, pending or out of order "
                 "(--format mermaid: a Mermaid flowchart)");
    return options;
}

int run_history(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    if (values->count("graph") != 0 || invocation.settings.format == OutputFormat::mermaid) {
        return print_graph(invocation, *values);
    }
    const RevisionGraph graph = load_project(invocation.settings).graph;
    if (values->count("rev-range") == 0 && only_several_heads(graph)) {
        return print_lines_of_work(invocation, graph);
    }
    graph.require_valid();
    Range range;
    if (values->count("rev-range") != 0) {
        range = parse_range((*values)["rev-range"].as<std::string>());
    }
    auto revisions = revisions_in_range(range, graph);
    if (invocation.settings.format == OutputFormat::json) {
        nlohmann::json list = nlohmann::json::array();
        for (auto it = revisions.rbegin(); it != revisions.rend(); ++it) {
            list.push_back(revision_json(**it, graph));
        }
        print_json({{"revisions", list}});
        return 0;
    }
    std::string out;
    for (auto it = revisions.rbegin(); it != revisions.rend(); ++it) {
        if (invocation.settings.verbosity > 0) {
            out += verbose_block(**it, graph) + "\n";
        } else {
            append_history_line(out, **it, graph);
        }
    }
    std::cout << out;
    return 0;
}

} // namespace ecluse::cli
