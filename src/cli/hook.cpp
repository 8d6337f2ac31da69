#include "cli/command.hpp"
#include "cli/hook_script.hpp"
#include "graph/conflict.hpp"
#include "script/conflict_file.hpp"
#include "script/git.hpp"
#include "script/project.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <algorithm>
#include <iostream>

namespace ecluse::cli {

namespace {

constexpr std::string_view k_hook_marker = "# ecluse pre-commit hook";
// Ends the line of each project the hook runs for, with its folder.
constexpr std::string_view k_project_marker = "# ecluse project: ";
// How hooks written before one hook served many projects named theirs.
constexpr std::string_view k_single_project =
    "exec \"$ecluse\" -C \"$(git rev-parse --show-toplevel)/";

std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

// The project folders an ecluse hook runs for, relative to the
// repository's top ("" for the top, else "db/").
std::vector<std::string> hooked_projects(const std::string& hook) {
    std::vector<std::string> projects;
    for (const std::string& line : split(hook, '\n')) {
        if (auto at = line.find(k_project_marker); at != std::string::npos) {
            projects.push_back(line.substr(at + k_project_marker.size()));
        } else if (line.rfind(k_single_project, 0) == 0) {
            std::string rest = line.substr(k_single_project.size());
            projects.push_back(rest.substr(0, rest.find('"')));
        }
    }
    return projects;
}

std::string project_name(const std::string& prefix) {
    return prefix.empty() ? "./" : prefix;
}

std::string hook_script(const std::vector<std::string>& projects) {
    std::string script = "#!/bin/sh\n" + std::string(k_hook_marker) +
                         " (installed by `ecluse hook install`).\n"
                         "# For each ecluse project of the repository below (`ecluse init` or "
                         "`ecluse hook\n# install` in a project adds its line): when a commit "
                         "touches its migrations/,\n# rewrites its " +
                         std::string(k_conflict_file_name) +
                         " from the revision heads and\n# stages it; refuses the commit if a "
                         "branch has two heads.\n"
                         "ecluse=" +
                         shell_quote(current_executable().string()) +
                         "\n[ -x \"$ecluse\" ] || ecluse=ecluse\n"
                         "top=\"$(git rev-parse --show-toplevel)\" || exit 1\n";
    for (const std::string& prefix : projects) {
        script += "\"$ecluse\" -C \"$top\"/" + shell_quote(prefix) + " hook run || exit 1 " +
                  std::string(k_project_marker) + prefix + "\n";
    }
    return script;
}

// Under the pre-commit framework, which stashes what is not staged while
// its hooks run and refuses a hook's edits: the conflict file being
// committed (the one in the work tree then) must already match the
// revision heads being committed.
void check_staged_conflict_file(const Settings& settings, const RevisionGraph& graph) {
    std::string name(k_conflict_file_name);
    std::vector<Diagnostic> problems =
        check_conflict_file(graph, read_file_if_exists(conflict_file_path(settings.root)),
                            display_path(settings, name));
    if (problems.empty()) {
        return;
    }
    throw CheckFailed(problems.front().to_string() + " (in the commit being made)",
                      "stage it with the revisions: `git add " + display_path(settings, name) +
                          "` (after `ecluse heads --rewrite` if your work tree's copy is not up "
                          "to date either), then commit again");
}

int hook_run(const Invocation& invocation, bool check_only) {
    const Settings& settings = invocation.settings;
    auto staged = staged_paths(settings.root);
    std::string prefix = std::string(k_migrations_folder) + "/";
    bool touches_migrations = std::any_of(staged.begin(), staged.end(), [&](const std::string& p) {
        return p.substr(0, prefix.size()) == prefix;
    });
    bool changed = false;
    if (touches_migrations) {
        RevisionGraph graph = load_project(settings).graph;
        graph.require_valid();
        if (check_only) {
            check_staged_conflict_file(settings, graph);
        } else {
            changed = sync_conflict_file(settings, graph);
            stage_paths(settings.root, {std::string(k_conflict_file_name)});
        }
    }
    if (settings.format == OutputFormat::json) {
        print_json({{"conflict_file_rewritten", changed}});
    } else if (changed && settings.verbosity >= 0) {
        std::cerr << "ecluse: rewrote and staged " << k_conflict_file_name << '\n';
    }
    return 0;
}

} // namespace

std::string install_hook(const std::filesystem::path& root, bool force) {
    std::filesystem::path folder = hooks_folder(root);
    std::filesystem::path hook = folder / "pre-commit";
    std::string prefix = repository_prefix(root);
    if (prefix.find('\n') != std::string::npos) {
        throw UsageError("the project folder " + quote_value(prefix) +
                             " has a line break in its name, which the hook cannot run",
                         "rename the folder");
    }
    auto existing = read_file_if_exists(hook);
    bool ours = existing && existing->find(k_hook_marker) != std::string::npos;
    if (existing && !ours && !force) {
        std::string line = "ecluse -C \"$(git rev-parse --show-toplevel)\"/" + shell_quote(prefix) +
                           " hook run || exit 1";
        bool framework = existing->find("pre-commit.com") != std::string::npos;
        throw CheckFailed(
            hook.string() + " already exists and is not ecluse's" +
                (framework ? " (it is the pre-commit framework's)" : ""),
            framework ? "add ecluse's hooks to .pre-commit-config.yaml (docs/git-workflow.md) "
                        "and skip this one with `ecluse init --no-hook`"
                      : "add the line `" + line +
                            "` to it, or replace it with `ecluse hook "
                            "install --force`");
    }
    // Every project the hook served whose folder is still there, and this one.
    std::filesystem::path top = repository_top(root);
    std::vector<std::string> projects;
    for (const std::string& project :
         ours ? hooked_projects(*existing) : std::vector<std::string>{}) {
        if ((project == prefix || std::filesystem::is_directory(top / project)) &&
            std::find(projects.begin(), projects.end(), project) == projects.end()) {
            projects.push_back(project);
        }
    }
    if (std::find(projects.begin(), projects.end(), prefix) == projects.end()) {
        projects.push_back(prefix);
    }
    std::filesystem::create_directories(folder);
    write_file_atomically(hook, hook_script(projects));
    ::chmod(hook.c_str(), 0755);
    std::vector<std::string> names;
    for (const std::string& project : projects) {
        names.push_back(project_name(project));
    }
    return (existing ? "updated the git pre-commit hook " : "installed the git pre-commit hook ") +
           hook.string() + " for the ecluse project" + (projects.size() == 1 ? " in " : "s in ") +
           join(names, ", ");
}

CommandOptions hook_options() {
    CommandOptions options("hook");
    options.add({"action", "install|run",
                 "install: write .git/hooks/pre-commit; run: what the hook does",
                 Positional::Presence::required});
    options.options.add_options()("force",
                                  "install: replace a pre-commit hook that is not ecluse's")(
        "check", "run: only check that the staged conflict file matches the staged revisions' "
                 "heads, rewriting nothing (what the pre-commit framework's hook runs)");
    return options;
}

int run_hook(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    std::string action = (*values)["action"].as<std::string>();
    bool check_only = values->count("check") != 0;
    if (check_only && action != "run") {
        throw UsageError("--check goes with `hook run`", "run `ecluse hook run --check`");
    }
    if (action == "run") {
        return hook_run(invocation, check_only);
    }
    if (action != "install") {
        throw UsageError("unknown hook action " + quote_value(action),
                         "use `hook install` or `hook run`");
    }
    if (!is_git_repository(invocation.settings.root)) {
        throw UsageError(invocation.settings.root.string() + " is not in a git work tree",
                         "run `git init` first");
    }
    std::string installed = install_hook(invocation.settings.root, values->count("force") != 0);
    if (invocation.settings.format == OutputFormat::json) {
        print_json({{"hook", installed}});
    } else {
        std::cout << installed << '\n';
    }
    return 0;
}

} // namespace ecluse::cli
