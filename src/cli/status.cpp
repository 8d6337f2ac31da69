// current and status: where the database stands, revision by revision.

#include "cli/command.hpp"
#include "cli/database.hpp"
#include "runtime/database_state.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

CommandOptions current_options() {
    CommandOptions options("current");
    return options;
}

int run_current(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    // The position and whether it is a head: no SQL to read.
    RevisionGraph graph = load_project(invocation.settings).graph;
    DatabaseSession session = open_database(invocation.settings, false);
    Position position = Ledger::position_of(session.ledger->applied(true), graph);
    if (invocation.settings.format == OutputFormat::json) {
        nlohmann::json out;
        for (Branch branch : k_branches) {
            out[std::string(branch_name(branch))] = {
                {"revision", json_or_null(position[branch])},
                {"is_head",
                 position[branch].has_value() && position[branch] == graph.head(branch)}};
        }
        print_json(out);
        return 0;
    }
    for (Branch branch : k_branches) {
        std::cout << position[branch].value_or("base") << " (" << branch_name(branch) << ")"
                  << (position[branch] && position[branch] == graph.head(branch) ? " (head)" : "")
                  << '\n';
    }
    return 0;
}

CommandOptions status_options() {
    CommandOptions options("status");
    return options;
}

int run_status(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    auto [project, graph] = load_project(invocation.settings);
    graph.require_valid();
    DatabaseSession session = open_database(invocation.settings, false);
    auto states =
        revision_states(graph, project, session.ledger->applied(), session.ledger->progress());
    if (invocation.settings.format == OutputFormat::json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& state : states) {
            list.push_back({{"revision", state.revision},
                            {"branch", branch_name(state.branch)},
                            {"state", state_name(state.state)},
                            {"message", state.message},
                            {"path", state.path},
                            {"applied_at", text_or_null(state.applied_at)},
                            {"progress", text_or_null(state.progress)}});
        }
        print_json({{"revisions", list}});
        return 0;
    }
    if (invocation.settings.format == OutputFormat::markdown) {
        std::vector<std::vector<std::string>> rows;
        std::size_t pending = 0;
        for (const auto& state : states) {
            pending += state.state == RevisionState::pending ? 1 : 0;
            rows.push_back({std::string(branch_name(state.branch)), markdown_code(state.revision),
                            std::string(state_name(state.state)), state.message,
                            state.applied_at +
                                (state.progress.empty() || state.applied_at.empty() ? "" : " ") +
                                state.progress});
        }
        std::cout << markdown_table("ecluse status: " + std::to_string(states.size()) +
                                        " revisions, " + std::to_string(pending) + " pending",
                                    {"Branch", "Revision", "State", "Message", "Applied"}, rows);
        return 0;
    }
    for (const auto& state : states) {
        std::string name(state_name(state.state));
        std::cout << branch_name(state.branch) << (state.branch == Branch::pre ? "   " : "  ")
                  << state.revision << "  " << name
                  << std::string(name.size() < 9 ? 9 - name.size() : 1, ' ') << state.message
                  << (state.applied_at.empty() ? "" : "  (applied " + state.applied_at + ")")
                  << (state.progress.empty() ? "" : "  (" + state.progress + ")") << '\n';
    }
    return 0;
}

} // namespace ecluse::cli
