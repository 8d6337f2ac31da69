#include "cli/command.hpp"
#include "cli/hook_script.hpp"
#include "config/settings.hpp"
#include "script/conflict_file.hpp"
#include "script/git.hpp"
#include "script/project.hpp"
#include "util/file.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

namespace {

const char* k_settings_template =
    R"(# ecluse settings. Flags and ECLUSE_* environment variables override them.
# Keep passwords out of this file: use $ECLUSE_DATABASE_URL or libpq's PG*
# variables and ~/.pgpass.

# lock_timeout = "5s"        # per migration
# statement_timeout = "60s"  # per migration
# lock_wait = "60s"          # how long to wait for another ecluse
# schema = "ecluse"          # where ecluse keeps its bookkeeping tables

# [deploy]
# hook = "./deploy/hook"     # what deploys the code (default: deploy/hook)
# hook_timeout = "30min"

# [lint]
# disable = []               # lint rule ids or families (ecluse lint --rules)
# base = "origin/main"       # what lint compares with (default: integration_branch)

# [migrate]
# out_of_order = false       # apply revisions a merge left below applied ones

# [rebase]
# integration_branch = "origin/main"  # whose revisions rebase never moves
)";

} // namespace

CommandOptions init_options() {
    CommandOptions options("init");
    options.options.add_options()("no-hook", "do not install the git pre-commit hook");
    return options;
}

int run_init(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    const Settings& settings = invocation.settings;
    std::vector<std::string> created;
    for (Branch branch : k_branches) {
        std::filesystem::path folder = branch_folder(settings.root, branch);
        if (std::filesystem::create_directories(folder)) {
            created.push_back(
                display_path(settings, folder.lexically_relative(settings.root).string()) + "/");
        }
        std::filesystem::path keep = folder / ".gitkeep";
        if (!std::filesystem::exists(keep)) {
            write_file_atomically(keep, "");
        }
    }
    std::filesystem::path conflict = conflict_file_path(settings.root);
    if (!std::filesystem::exists(conflict)) {
        write_file_atomically(conflict, "");
        created.push_back(display_path(settings, std::string(k_conflict_file_name)));
    }
    std::filesystem::path toml = settings.root / k_settings_file_name;
    if (!std::filesystem::exists(toml)) {
        write_file_atomically(toml, k_settings_template);
        created.push_back(display_path(settings, std::string(k_settings_file_name)));
    }
    std::optional<std::string> hook;
    bool git = is_git_repository(settings.root);
    if (values->count("no-hook") == 0 && git) {
        hook = install_hook(settings.root, false);
    }
    if (settings.format == OutputFormat::json) {
        print_json({{"created", created}, {"hook", json_or_null(hook)}});
        return 0;
    }
    for (const auto& path : created) {
        std::cout << "created " << path << '\n';
    }
    if (hook) {
        std::cout << *hook << '\n';
    } else if (values->count("no-hook") == 0) {
        std::cout << "not a git repository: run `git init` then `ecluse hook install` to keep "
                  << k_conflict_file_name << " up to date on every commit\n";
    }
    if (created.empty()) {
        std::cout << "the layout was already there; nothing else to do\n";
    }
    return 0;
}

} // namespace ecluse::cli
