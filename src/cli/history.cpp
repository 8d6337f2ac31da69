#include "cli/command.hpp"
#include "graph/specifier.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

namespace {

// Alembic's history line: "parent -> revision (branch) (head), message".
void append_history_line(std::string& out, const RevisionFile& revision,
                         const RevisionGraph& graph) {
    out += revision.down_revision ? std::string_view(*revision.down_revision) : "<base>";
    out += " -> ";
    out += revision.revision;
    out += " (";
    out += branch_name(revision.branch);
    out += ')';
    if (graph.chain(revision.branch).back() == &revision) {
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

} // namespace

int run_history(const Invocation& invocation) {
    po::options_description options("history options");
    options.add_options()("rev-range,r", po::value<std::string>()->value_name("RANGE"),
                          "FROM:TO, either side optional (base:pre@head, a1b2:, :post@head)");
    auto values = parse_options(invocation, options);
    if (!values) {
        return 0;
    }
    const RevisionGraph graph = load_project(invocation.settings).graph;
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
