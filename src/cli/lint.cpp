#include "lint/lint.hpp"

#include "cli/command.hpp"
#include "graph/specifier.hpp"
#include "lint/pending.hpp"
#include "script/project.hpp"
#include "util/file.hpp"
#include "util/log.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>

namespace ecluse::cli {

namespace fs = std::filesystem;

namespace {

// A FILE argument: a revision of the project by its path, or a revision
// file elsewhere whose folder (pre or post) gives its branch.
const RevisionFile* find_by_path(const Settings& settings, const RevisionGraph& graph,
                                 const std::string& argument, std::vector<RevisionFile>& outside) {
    std::error_code error;
    fs::path wanted = fs::weakly_canonical(argument, error);
    for (const auto& revision : graph.revisions()) {
        if (fs::weakly_canonical(settings.root / revision.path, error) == wanted) {
            return &revision;
        }
    }
    std::string folder = fs::path(argument).parent_path().filename().string();
    if (folder != "pre" && folder != "post") {
        throw UsageError(argument + " is not a revision of this project, and not in a pre or post "
                                    "folder that would say its branch",
                         "pass a revision id, or a file under migrations/pre or migrations/post");
    }
    Branch branch = folder == "pre" ? Branch::pre : Branch::post;
    outside.push_back(parse_revision_file(read_file(argument), argument, branch));
    return nullptr;
}

// What the revisions are compared with: --base, else [lint] base, else
// [rebase] integration_branch, else the integration branch git finds.
LintBase lint_base(const Settings& settings, const po::variables_map& values) {
    if (values.count("base") != 0) {
        return {values["base"].as<std::string>(), "--base"};
    }
    if (!settings.lint.base.empty()) {
        return {settings.lint.base, "base in ecluse.toml's [lint] table"};
    }
    return {settings.rebase.integration_branch,
            "integration_branch in ecluse.toml's [rebase] table"};
}

// `lint --rules`: every rule, as text, one JSON document or a Markdown table.
void print_rules(OutputFormat format) {
    if (format == OutputFormat::markdown) {
        std::vector<std::vector<std::string>> rows;
        for (const Rule& each : lint_rules()) {
            rows.push_back(
                {markdown_code(std::string(each.id)), std::string(family_name(each.family)),
                 std::string(severity_name(each.severity)), each.on_by_default ? "yes" : "no",
                 std::string(each.reason), std::string(each.fix)});
        }
        std::cout << markdown_table(
            "ecluse lint --rules: " + std::to_string(rows.size()) + " rules",
            {"Rule", "Family", "Severity", "On by default", "Why", "Fix"}, rows);
        return;
    }
    if (format == OutputFormat::json) {
        nlohmann::json rules = nlohmann::json::array();
        for (const Rule& each : lint_rules()) {
            rules.push_back({{"id", each.id},
                             {"family", family_name(each.family)},
                             {"severity", severity_name(each.severity)},
                             {"on_by_default", each.on_by_default},
                             {"reason", each.reason},
                             {"fix", each.fix}});
        }
        print_json({{"rules", rules}});
        return;
    }
    for (const Rule& each : lint_rules()) {
        std::cout << each.id << " (" << family_name(each.family) << ", "
                  << severity_name(each.severity) << (each.on_by_default ? "" : ", off by default")
                  << "): " << each.reason << '\n';
    }
}

} // namespace

CommandOptions lint_options() {
    CommandOptions options("lint");
    options.add({"targets", "REV|FILE", "revisions (id, prefix, pre@head...) or revision files",
                 Positional::Presence::optional, true});
    options.options.add_options()(
        "base", po::value<std::string>()->value_name("REF"),
        "lint the revisions that are not in the merge base of HEAD with REF (default: [lint] base "
        "in ecluse.toml, else the integration branch: [rebase] integration_branch, else the "
        "remote's default branch, else main, else master, local or remote; without one, every "
        "revision)")("all", "lint every revision, not only those missing from the base")(
        "rules", "list the rules and exit");
    return options;
}

int run_lint(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    if (values->count("rules") != 0) {
        print_rules(invocation.settings.format);
        return 0;
    }
    const Settings& settings = invocation.settings;
    RuleSet rules(settings.lint);
    // Through the revision cache: only revisions whose findings it does not
    // hold are read whole and parsed (lint_revisions).
    auto [project, graph] = load_project(settings);
    const auto& revisions = graph.revisions();

    std::vector<RevisionFile> outside;
    LintSelection selection;
    if (values->count("base") != 0 && (values->count("targets") + values->count("all")) != 0) {
        throw UsageError("--base chooses the revisions to lint, as --all and REV|FILE arguments do",
                         "pass only one of them");
    }
    if (values->count("targets") != 0) {
        if (values->count("all") != 0) {
            throw UsageError("--all and REV|FILE arguments exclude each other");
        }
        for (const auto& argument : (*values)["targets"].as<std::vector<std::string>>()) {
            bool is_file = argument.size() > 4 && argument.substr(argument.size() - 4) == ".sql";
            if (!is_file) {
                graph.require_valid(); // specifiers need one head per branch
            }
            const RevisionFile* found = is_file ? find_by_path(settings, graph, argument, outside)
                                                : &resolve_revision(argument, graph);
            if (found != nullptr) {
                selection.revisions.push_back(found);
            }
        }
        for (const auto& revision : outside) {
            selection.revisions.push_back(&revision);
        }
        selection.description = std::to_string(selection.revisions.size()) + " revision" +
                                (selection.revisions.size() == 1 ? "" : "s") + " named";
    } else if (values->count("all") != 0) {
        for (const auto& revision : revisions) {
            selection.revisions.push_back(&revision);
        }
        selection.description = "all " + std::to_string(revisions.size()) + " revisions";
    } else {
        selection = revisions_not_in_base(settings.root, revisions, lint_base(settings, *values));
        if (!selection.no_base.empty()) {
            log::warn("lint: " + selection.no_base + ": linting every revision; name the base " +
                      "with --base REF or `base` in ecluse.toml's [lint] table");
        }
    }

    LintReport report = lint_revisions(project, selection.revisions, rules);
    project.save_cache();
    // GitHub's paths are taken before the project's files are shown as
    // the user opens them from the current folder.
    std::optional<AnnotationPaths> annotation_paths;
    std::vector<std::string> annotation_files;
    if (settings.format == OutputFormat::github) {
        annotation_paths.emplace(settings);
    }
    for (Finding& finding : report.findings) {
        bool in_project = std::find_if(outside.begin(), outside.end(), [&](const RevisionFile& r) {
                              return r.path == finding.location.file;
                          }) == outside.end();
        if (annotation_paths) {
            annotation_files.push_back(in_project
                                           ? annotation_paths->project_file(finding.location.file)
                                           : annotation_paths->file(finding.location.file));
        }
        if (in_project) {
            finding.location.file = display_path(settings, finding.location.file);
        }
    }
    std::size_t errors = report.count(Severity::error);
    std::size_t warnings = report.count(Severity::warning);
    int exit_code = report.bad_input ? k_exit_usage : errors > 0 ? k_exit_failed : k_exit_ok;

    if (settings.format == OutputFormat::json) {
        nlohmann::json findings = nlohmann::json::array();
        for (const Finding& finding : report.findings) {
            findings.push_back(finding_json(finding));
        }
        print_json({{"ok", errors == 0},
                    {"selection", selection.description},
                    {"revisions", report.revisions},
                    {"statements", report.statements},
                    {"errors", errors},
                    {"warnings", warnings},
                    {"findings", findings}});
        return exit_code;
    }
    for (std::size_t i = 0; i < report.findings.size(); ++i) {
        if (annotation_paths) {
            std::cout << github_annotation(report.findings[i], annotation_files[i]) << '\n';
        }
        std::cerr << render_finding(report.findings[i]) << '\n';
    }
    auto plural = [](std::size_t n, const char* word) {
        return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
    };
    std::string summary = "lint: " + selection.description + ": " +
                          plural(report.statements, "statement") + ", " + plural(errors, "error") +
                          ", " + plural(warnings, "warning");
    // On stdout whatever it says, so that a pipeline finds it in one place;
    // the findings are on stderr.
    if (settings.format == OutputFormat::markdown) {
        std::vector<std::vector<std::string>> rows;
        for (const Finding& finding : report.findings) {
            rows.push_back(
                {markdown_code(finding.location.to_string()), markdown_code(finding.rule),
                 std::string(severity_name(finding.severity)), finding.message, finding.fix});
        }
        std::cout << markdown_table("ecluse " + summary,
                                    {"Where", "Rule", "Severity", "Finding", "Fix"}, rows);
    } else if (settings.verbosity >= 0 || errors > 0) {
        std::cout << summary << '\n';
    }
    return exit_code;
}

} // namespace ecluse::cli
