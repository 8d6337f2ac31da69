#include "cli/command.hpp"
#include "cli/database.hpp"
#include "graph/project_check.hpp"
#include "runtime/database_state.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>

namespace ecluse::cli {

namespace {

nlohmann::json problem_json(const Diagnostic& problem) {
    return {{"file", problem.location.file},
            {"line", problem.location.line},
            {"column", problem.location.column},
            {"message", problem.message},
            {"hint", problem.hint},
            {"kind", problem.bad_input ? "input" : "check"}};
}

// With a database: drift (an applied revision's upgrade section changed
// since) and orphans (applied revisions missing from disk).
void check_database(const Settings& settings, CheckReport& report) {
    RevisionGraph graph = load_graph(settings);
    if (!graph.valid()) {
        return; // already reported; states need a valid graph
    }
    DatabaseSession session = open_database(settings, false);
    for (const RevisionStatus& status : revision_states(graph, session.ledger->applied())) {
        if (status.state == RevisionState::drifted) {
            const RevisionFile& revision = *graph.find(status.revision);
            report.problems.push_back({SourceLocation{revision.path, revision.upgrade.first_line},
                                       "revision " + status.revision +
                                           " changed after it was applied (drift): its upgrade "
                                           "section's checksum differs from the one "
                                           "recorded on " +
                                           status.applied_at,
                                       "restore the applied SQL (git log -p " + revision.path +
                                           ") and put the change in a new revision",
                                       false});
        } else if (status.state == RevisionState::orphan) {
            report.problems.push_back(
                {SourceLocation{status.path},
                 "revision " + status.revision + " (" + std::string(branch_name(status.branch)) +
                     ", " + status.message +
                     ") is applied to the database but missing from disk (orphan)",
                 "it came from another line of work: `ecluse downgrade --orphans` undoes it",
                 false});
        }
    }
}

} // namespace

int run_check(const Invocation& invocation) {
    po::options_description options("check options");
    auto values = parse_options(invocation, options);
    if (!values) {
        return 0;
    }
    RevisionCache cache = open_revision_cache(invocation.settings);
    CheckReport report = check_project(invocation.settings.root, &cache);
    cache.save();
    if (invocation.settings.database_url) {
        check_database(invocation.settings, report);
    }
    bool bad_input = std::any_of(report.problems.begin(), report.problems.end(),
                                 [](const Diagnostic& d) { return d.bad_input; });
    int exit_code = report.problems.empty() ? 0 : bad_input ? k_exit_usage : k_exit_failed;

    if (invocation.settings.format == OutputFormat::json) {
        nlohmann::json problems = nlohmann::json::array();
        for (const Diagnostic& problem : report.problems) {
            problems.push_back(problem_json(problem));
        }
        auto head = [](const std::optional<std::string>& h) {
            return h ? nlohmann::json(*h) : nlohmann::json(nullptr);
        };
        print_json({{"ok", report.problems.empty()},
                    {"revisions", report.revisions},
                    {"heads", {{"pre", head(report.heads.pre)}, {"post", head(report.heads.post)}}},
                    {"problems", problems}});
        return exit_code;
    }
    if (invocation.settings.format == OutputFormat::github) {
        for (const Diagnostic& problem : report.problems) {
            std::cout << "::error file=" << problem.location.file
                      << ",line=" << problem.location.line << ",col=" << problem.location.column
                      << "::" << problem.message << '\n';
        }
    }
    for (const Diagnostic& problem : report.problems) {
        std::cerr << problem.to_string() << '\n';
    }
    if (!report.problems.empty()) {
        std::cerr << "check failed: " << report.problems.size() << " problem"
                  << (report.problems.size() == 1 ? "" : "s") << '\n';
    } else if (invocation.settings.verbosity >= 0) {
        std::cout << "check passed: " << report.revisions << " revisions, pre head "
                  << report.heads.pre.value_or("(none)") << ", post head "
                  << report.heads.post.value_or("(none)") << ", "
                  << "alembic_version_conflict_detection.txt up to date\n";
    }
    return exit_code;
}

} // namespace ecluse::cli
