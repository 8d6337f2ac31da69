#include "cli/command.hpp"
#include "graph/specifier.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>

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
    for (const Diagnostic& problem : graph.problems()) {
        std::cerr << "warning: " << problem.message << '\n';
        if (!problem.hint.empty()) {
            std::cerr << "  hint: " << problem.hint << '\n';
        }
    }
    return 0;
}

} // namespace

CommandOptions history_options() {
    CommandOptions options("history");
    options.options.add_options()(
        "rev-range,r", po::value<std::string>()->value_name("RANGE"),
        "FROM:TO, either side optional (base:pre@head, a1b2:, :post@head)");
    return options;
}

int run_history(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
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
