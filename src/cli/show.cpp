#include "cli/command.hpp"
#include "graph/specifier.hpp"
#include "script/sql_splitter.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

namespace {

nlohmann::json statements_json(const std::vector<Statement>& statements) {
    nlohmann::json list = nlohmann::json::array();
    for (const Statement& statement : statements) {
        nlohmann::json item = {{"sql", statement.sql},
                               {"line", statement.location.line},
                               {"column", statement.location.column}};
        if (statement.copy_data) {
            item["copy_data_lines"] =
                std::count(statement.copy_data->begin(), statement.copy_data->end(), '\n');
        }
        list.push_back(item);
    }
    return list;
}

} // namespace

CommandOptions show_options() {
    CommandOptions options("show");
    options.add({"revision", "REV", "the revision: id, prefix, pre@head, a1b2-1, ...",
                 Positional::Presence::required});
    return options;
}

int run_show(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    auto [project, graph] = load_project(invocation.settings);
    graph.require_valid();
    const RevisionFile& header = resolve_revision((*values)["revision"].as<std::string>(), graph);
    const RevisionFile& revision = project.sql(header);
    auto upgrade = split_section(revision, revision.upgrade);
    auto downgrade = split_section(revision, revision.downgrade);
    std::string checksum = upgrade_checksum(revision);

    if (invocation.settings.format == OutputFormat::json) {
        nlohmann::json document = revision_json(header, graph);
        document["checksum"] = checksum;
        document["upgrade"] = statements_json(upgrade);
        document["downgrade"] =
            revision.downgrade.present ? statements_json(downgrade) : nlohmann::json(nullptr);
        print_json(document);
        return 0;
    }
    bool head = graph.head(revision.branch) == revision.revision;
    std::cout << "Revision: " << revision.revision << (head ? " (head)" : "") << '\n'
              << "Branch: " << branch_name(revision.branch) << '\n'
              << "Parent: " << revision.down_revision.value_or("<base>") << '\n';
    if (!revision.depends_on.empty()) {
        std::cout << "Depends on: " << join(revision.depends_on, ", ") << '\n';
    }
    std::cout << "Path: " << display_path(invocation.settings, revision.path) << '\n'
              << "Created: " << revision.created << '\n'
              << "Transaction: " << transaction_mode_name(revision.transaction) << '\n'
              << "Checksum: " << checksum << '\n'
              << "Statements: " << upgrade.size() << " upgrade, "
              << (revision.downgrade.present ? std::to_string(downgrade.size()) + " downgrade"
                                             : std::string("no downgrade section"))
              << "\n\n    " << revision.message << "\n\n-- ecluse:upgrade\n"
              << revision.upgrade.text;
    if (revision.downgrade.present) {
        std::cout << "-- ecluse:downgrade\n" << revision.downgrade.text;
    }
    return 0;
}

} // namespace ecluse::cli
