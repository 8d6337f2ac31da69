#include "cli/command.hpp"
#include "cli/hook_script.hpp"
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

std::string shell_quote(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

std::string hook_script(const std::filesystem::path& root) {
    ProcessResult prefix = run_process({"git", "-C", root.string(), "rev-parse", "--show-prefix"});
    std::string subfolder(trim(prefix.output));
    return std::string(k_hook_marker) +
           " (installed by `ecluse hook install`).\n"
           "# When a commit touches migrations/, rewrites " +
           std::string(k_conflict_file_name) +
           "\n# from the revision heads and stages it; refuses the commit if a branch has two "
           "heads.\n"
           "ecluse=" +
           shell_quote(current_executable().string()) +
           "\n[ -x \"$ecluse\" ] || ecluse=ecluse\n"
           "exec \"$ecluse\" -C \"$(git rev-parse --show-toplevel)/" +
           subfolder + "\" hook run\n";
}

int hook_run(const Invocation& invocation) {
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
        changed = sync_conflict_file(settings, graph);
        stage_paths(settings.root, {std::string(k_conflict_file_name)});
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
    auto existing = read_file_if_exists(hook);
    if (existing && existing->find(k_hook_marker) == std::string::npos && !force) {
        throw CheckFailed(hook.string() + " already exists and is not ecluse's",
                          "add the line `ecluse hook run` to it, or replace it with `ecluse hook "
                          "install --force`");
    }
    std::filesystem::create_directories(folder);
    write_file_atomically(hook, "#!/bin/sh\n" + hook_script(root));
    ::chmod(hook.c_str(), 0755);
    return (existing ? "updated the git pre-commit hook " : "installed the git pre-commit hook ") +
           hook.string();
}

CommandOptions hook_options() {
    CommandOptions options("hook");
    options.add({"action", "install|run",
                 "install: write .git/hooks/pre-commit; run: what the hook does",
                 Positional::Presence::required});
    options.options.add_options()("force",
                                  "install: replace a pre-commit hook that is not ecluse's");
    return options;
}

int run_hook(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    std::string action = (*values)["action"].as<std::string>();
    if (action == "run") {
        return hook_run(invocation);
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
