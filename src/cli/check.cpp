#include "cli/command.hpp"
#include "cli/database.hpp"
#include "cli/fresh.hpp"
#include "graph/project_check.hpp"
#include "lint/lint.hpp"
#include "runtime/database_state.hpp"
#include "script/project.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>

namespace ecluse::cli {

namespace {

// A problem of the project: a graph problem has no file, a file problem no
// line; what is not known is null.
nlohmann::json problem_json(const Diagnostic& problem) {
    return {{"file", text_or_null(problem.location.file)},
            {"line", positive_or_null(problem.location.line)},
            {"column", positive_or_null(problem.location.column)},
            {"message", problem.message},
            {"hint", text_or_null(problem.hint)},
            {"kind", problem.bad_input ? "input" : "check"}};
}

// With a database: drift (an applied revision's upgrade section changed
// since), orphans (applied revisions missing from disk) and revisions out
// of order (unless ecluse.toml allows them).
void check_database(const Settings& settings, const Project& project, CheckReport& report) {
    const RevisionGraph& graph = *report.graph;
    DatabaseSession session = open_database(settings, false);
    for (Diagnostic& problem : database_problems(graph, project, session.ledger->applied(),
                                                 settings.migrate.out_of_order, "upgrade")) {
        report.problems.push_back(std::move(problem));
    }
}

// Lint of every revision that parses: error-level findings fail the check,
// warnings are printed. SQL syntax errors and transaction control in a
// transactional revision are check_project's already (bad input).
void check_lint(const Settings& settings, Project& project, CheckReport& report) {
    RuleSet rules(settings.lint);
    const std::vector<RevisionFile>& revisions = project.headers();
    std::vector<const RevisionFile*> targets;
    targets.reserve(revisions.size());
    for (const auto& revision : revisions) {
        targets.push_back(&revision);
    }
    std::string warnings;
    for (const Finding& finding : lint_revisions(project, targets, rules).findings) {
        if (finding.rule == "syntax-error" || finding.rule == "locking-transaction-control") {
            continue;
        }
        if (finding.severity == Severity::error) {
            report.problems.push_back({finding.location, finding.rule + ": " + finding.message,
                                       finding.fix, false, finding.rule});
        } else if (settings.format == OutputFormat::text && settings.verbosity >= 0) {
            warnings += "warning: " + render_finding(finding) + '\n';
        }
    }
    std::cerr << warnings;
}

// `check --format markdown`: the outcome as the heading, one row per problem.
std::string check_markdown(const CheckReport& report) {
    std::vector<std::vector<std::string>> rows;
    for (const Diagnostic& problem : report.problems) {
        rows.push_back({markdown_code(problem.location.file.empty() ? std::string()
                                                                    : problem.location.to_string()),
                        problem.message, problem.hint});
    }
    std::string heading = report.problems.empty()
                              ? "ecluse check passed: " + std::to_string(report.revisions) +
                                    " revisions, pre head " + report.heads.pre.value_or("(none)") +
                                    ", post head " + report.heads.post.value_or("(none)")
                              : "ecluse check failed: " + std::to_string(report.problems.size()) +
                                    " problem" + (report.problems.size() == 1 ? "" : "s");
    return markdown_table(heading, {"Where", "Problem", "Hint"}, rows);
}

} // namespace

CommandOptions check_options() {
    CommandOptions options("check");
    options.options.add_options()(
        "verify-snapshots", "replay the history on a scratch server and compare its schema with "
                            "each snapshot's");
    return options;
}

int run_check(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    Project project = Project::open(invocation.settings);
    CheckReport report = check_project(project);
    check_lint(invocation.settings, project, report);
    project.save_cache();
    // Drift and snapshots need every file read and a valid graph; what is
    // wrong with them is reported already.
    bool readable = project.problems().empty() && report.graph->valid();
    if (invocation.settings.database_url && readable) {
        check_database(invocation.settings, project, report);
    }
    if (values->count("verify-snapshots") != 0 && report.problems.empty()) {
        verify_snapshots(invocation.settings, project, *report.graph, report);
    }
    bool bad_input = std::any_of(report.problems.begin(), report.problems.end(),
                                 [](const Diagnostic& d) { return d.bad_input; });
    int exit_code = report.problems.empty() ? 0 : bad_input ? k_exit_usage : k_exit_failed;

    if (invocation.settings.format == OutputFormat::json) {
        nlohmann::json problems = nlohmann::json::array();
        for (const Diagnostic& problem : report.problems) {
            problems.push_back(problem_json(problem));
        }
        print_json(
            {{"ok", report.problems.empty()},
             {"revisions", report.revisions},
             {"heads",
              {{"pre", json_or_null(report.heads.pre)}, {"post", json_or_null(report.heads.post)}}},
             {"problems", problems}});
        return exit_code;
    }
    if (invocation.settings.format == OutputFormat::github) {
        AnnotationPaths paths(invocation.settings);
        for (const Diagnostic& problem : report.problems) {
            std::cout << github_annotation(true, paths.project_file(problem.location.file),
                                           problem.location,
                                           problem.rule.empty() ? "ecluse check" : problem.rule,
                                           problem.hint.empty()
                                               ? problem.message
                                               : problem.message + " (fix: " + problem.hint + ")")
                      << '\n';
        }
    }
    for (const Diagnostic& problem : report.problems) {
        std::cerr << problem.to_string() << '\n';
    }
    if (invocation.settings.format == OutputFormat::markdown) {
        std::cout << check_markdown(report);
        return exit_code;
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
