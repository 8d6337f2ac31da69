#include "cli/command.hpp"
#include "script/conflict_file.hpp"
#include "util/error.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

CommandOptions heads_options() {
    CommandOptions options("heads");
    options.options.add_options()("rewrite",
                                  "also write them to alembic_version_conflict_detection.txt");
    return options;
}

int run_heads(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    const RevisionGraph graph = load_project(invocation.settings).graph;
    // A branch whose files were all deleted after a snapshot stands on the
    // snapshot's head.
    auto snapshot_head = [&](Branch branch) -> std::optional<std::string> {
        return graph.heads(branch).empty() && graph.valid() ? graph.snapshot_base(branch)
                                                            : std::nullopt;
    };
    if (invocation.settings.format == OutputFormat::json) {
        nlohmann::json heads = nlohmann::json::array();
        for (Branch branch : k_branches) {
            for (const RevisionFile* head : graph.heads(branch)) {
                heads.push_back(revision_json(*head, graph));
            }
            if (auto base = snapshot_head(branch)) {
                heads.push_back({{"revision", *base},
                                 {"branch", branch_name(branch)},
                                 {"snapshot", graph.replaced(*base)->snapshot}});
            }
        }
        print_json({{"heads", heads}});
    } else {
        for (Branch branch : k_branches) {
            std::vector<std::string> ids;
            for (const RevisionFile* head : graph.heads(branch)) {
                ids.push_back(head->revision);
            }
            if (auto base = snapshot_head(branch)) {
                ids.push_back(*base);
            }
            for (const std::string& id : ids) {
                std::cout << render_conflict_file(
                    ConflictFileHeads{branch == Branch::pre ? std::optional(id) : std::nullopt,
                                      branch == Branch::post ? std::optional(id) : std::nullopt});
            }
        }
    }
    graph.require_valid();
    if (values->count("rewrite") != 0 && sync_conflict_file(invocation.settings, graph) &&
        invocation.settings.verbosity >= 0) {
        std::cerr << "rewrote "
                  << display_path(invocation.settings, std::string(k_conflict_file_name)) << '\n';
    }
    return 0;
}

} // namespace ecluse::cli
