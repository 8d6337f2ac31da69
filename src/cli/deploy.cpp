// deploy: the lock, the preflight, then pre, the hook and post (runtime/deploy);
// cli/deploy_render prints them.

#include "runtime/deploy.hpp"

#include "cli/command.hpp"
#include "cli/database.hpp"
#include "cli/deploy_render.hpp"
#include "lint/lint.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

#include <unistd.h>

#include <iostream>

namespace ecluse::cli {

namespace {

// Checks that the preflight runs besides graph, conflict file, drift and
// orphans: lint refuses pending revisions with error-level findings
// (warnings do not stop a deploy; `ecluse lint` shows them).
std::vector<PreflightCheck> extra_preflight_checks(const Settings& settings, Project& project) {
    PreflightCheck lint = [lint_settings = settings.lint,
                           &project](const RevisionGraph&,
                                     const std::vector<const RevisionFile*>& pending) {
        std::vector<std::string> ids;
        for (const RevisionFile* revision : pending) {
            ids.push_back(revision->revision);
        }
        std::vector<Diagnostic> problems;
        for (const Finding& finding : lint_pending(project, ids, lint_settings).findings) {
            if (finding.severity == Severity::error) {
                problems.push_back({finding.location, finding.rule + ": " + finding.message,
                                    "fix: " + finding.fix, false});
            }
        }
        return problems;
    };
    return {lint};
}

// Why the program `argv0` cannot be run from `root` the way the hook runs
// (execvp, from the project root), or empty when it can: a path is checked
// as a file, a bare name is looked up in PATH.
std::string why_not_runnable(const std::filesystem::path& root, const std::string& argv0) {
    auto runnable = [](const std::filesystem::path& path) {
        std::error_code error;
        return std::filesystem::is_regular_file(path, error) && ::access(path.c_str(), X_OK) == 0;
    };
    if (argv0.find('/') != std::string::npos) {
        std::filesystem::path path = argv0;
        if (path.is_relative()) {
            path = root / path;
        }
        std::error_code error;
        if (!std::filesystem::exists(path, error)) {
            return "no such file";
        }
        return runnable(path) ? "" : "not an executable file";
    }
    std::string search = process_environment("PATH").value_or("/usr/bin:/bin");
    for (std::string_view dirs = search;;) {
        std::size_t colon = dirs.find(':');
        std::string dir(dirs.substr(0, colon));
        std::filesystem::path candidate = (dir.empty() ? root : std::filesystem::path(dir)) / argv0;
        if (candidate.is_relative()) {
            candidate = root / candidate;
        }
        if (runnable(candidate)) {
            return "";
        }
        if (colon == std::string_view::npos) {
            break;
        }
        dirs.remove_prefix(colon + 1);
    }
    return "not found in PATH";
}

// Refuses, before anything runs, a hook whose program cannot be run: pre
// would otherwise be applied for a hook that was never going to start.
void check_hook_runnable(const Settings& settings, const std::vector<std::string>& argv,
                         const SourceLocation& where) {
    if (argv.empty()) {
        return;
    }
    std::string why = why_not_runnable(settings.root, argv.front());
    if (why.empty()) {
        return;
    }
    std::string message = "the hook " + quote_value(argv.front()) + " cannot be run: " + why;
    std::string hint = "nothing ran; give the hook's path (relative to the project root) or a "
                       "program on PATH, and make it executable (chmod +x)";
    if (where.file.empty()) {
        throw UsageError("--hook: " + message, hint);
    }
    throw InputError(where, "[deploy] " + message, hint);
}

// The hook as argv: --hook split like a shell splits words (no shell runs),
// else ecluse.toml's [deploy] hook, split the same way, else deploy/hook
// when it is executable.
std::vector<std::string> resolve_hook(const Settings& settings,
                                      const std::optional<std::string>& flag) {
    if (flag) {
        std::vector<std::string> argv = split_command_words(*flag);
        if (argv.empty()) {
            throw UsageError("--hook is empty", "pass the command that deploys the code, for "
                                                "example --hook './deploy.sh' or --hook "
                                                "\"sh -c 'kubectl apply -f k8s/'\"");
        }
        check_hook_runnable(settings, argv, {});
        return argv;
    }
    if (const DeploySettings& file = settings.deploy; file.hook) {
        SourceLocation where{file.file, file.hook_line};
        std::vector<std::string> argv;
        try {
            argv = split_command_words(*file.hook);
        } catch (const Error& error) {
            throw InputError(where, "[deploy] hook: " + std::string(error.what()), error.hint());
        }
        if (argv.empty()) {
            throw InputError(where, "[deploy] hook is empty",
                             "write the command that deploys the code, for example hook = "
                             "\"./deploy/rollout.sh --wait\", or remove the line to use "
                             "deploy/hook");
        }
        check_hook_runnable(settings, argv, where);
        return argv;
    }
    std::filesystem::path hook = settings.root / "deploy" / "hook";
    std::error_code error;
    if (!std::filesystem::exists(hook, error)) {
        return {};
    }
    if (::access(hook.c_str(), X_OK) != 0) {
        throw UsageError(display_path(settings, "deploy/hook") + " is not executable",
                         "chmod +x " + display_path(settings, "deploy/hook") +
                             ", or pass --hook CMD");
    }
    return {"./deploy/hook"}; // the hook runs from the project root
}

// --hook-timeout when given, else ecluse.toml's [deploy] hook_timeout, else 30 min.
std::chrono::milliseconds hook_timeout(const Settings& settings, const po::variables_map& values) {
    if (!values["hook-timeout"].defaulted() || !settings.deploy.hook_timeout) {
        return parse_duration_from(values["hook-timeout"].as<std::string>(), "--hook-timeout")
            .value();
    }
    return settings.deploy.hook_timeout->value();
}

} // namespace

CommandOptions deploy_options() {
    CommandOptions options("deploy");
    options.options.add_options()(
        "hook", po::value<std::string>()->value_name("CMD"),
        "the command that deploys the code, split into words like a shell "
        "would but run without one (default: [deploy] hook in ecluse.toml, "
        "else deploy/hook)")(
        "hook-timeout", po::value<std::string>()->value_name("DURATION")->default_value("30min"),
        "stop the hook (SIGTERM, then SIGKILL) after this long; 0 for no limit "
        "(default: [deploy] hook_timeout in ecluse.toml, else 30min)")(
        "phase", po::value<std::string>()->value_name("pre|deploy|post"),
        "run one phase alone (for pipelines that run them as separate jobs)")(
        "plan", "print what would run, changing nothing (without a hook, says that none is "
                "configured); --format markdown prints it as a table for a job summary")(
        "deploy-id", po::value<std::string>()->value_name("ID"),
        "the id in the event log and the hook's ECLUSE_DEPLOY_ID (default: $ECLUSE_DEPLOY_ID, "
        "else the unfinished deploy's of the same heads, else a new one)")(
        "allow-unsafe", po::value<std::string>()->value_name("REASON"),
        "deploy even though the preflight's safety checks refuse something; the reason is "
        "recorded in the event log")(
        "out-of-order",
        "also apply revisions that a merge left below applied ones, after them, instead of "
        "refusing (default: out_of_order in ecluse.toml's [migrate] table)");
    return options;
}

int run_deploy(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    const Settings& settings = invocation.settings;
    if (settings.format == OutputFormat::markdown && values->count("plan") == 0) {
        throw UsageError("--format markdown is for `deploy --plan`: a deploy prints its progress "
                         "as it happens, as text or JSON events",
                         "add --plan for the table of what would run, or use --format text or "
                         "json");
    }
    auto optional = [&](const char* name) -> std::optional<std::string> {
        if (values->count(name) == 0) {
            return std::nullopt;
        }
        return (*values)[name].as<std::string>();
    };
    DeployOptions deploy;
    deploy.root = settings.root;
    if (auto phase = optional("phase")) {
        deploy.only = parse_phase(*phase);
    }
    deploy.hook_timeout = hook_timeout(settings, *values);
    deploy.migrator = migrator_options(settings);
    deploy.deploy_id =
        optional("deploy-id").value_or(process_environment("ECLUSE_DEPLOY_ID").value_or(""));
    deploy.allow_unsafe = optional("allow-unsafe");
    deploy.out_of_order = values->count("out-of-order") != 0 || settings.migrate.out_of_order;
    if (deploy.allow_unsafe && trim(*deploy.allow_unsafe).empty()) {
        throw UsageError("--allow-unsafe needs a reason", "say why, for the event log: "
                                                          "--allow-unsafe 'table is empty'");
    }
    LoadedProject loaded = load_project(settings);
    const RevisionGraph& graph = loaded.graph;
    deploy.extra_checks = extra_preflight_checks(settings, loaded.project);
    if (!deploy.only || *deploy.only == DeployPhase::hook) {
        deploy.hook = resolve_hook(settings, optional("hook"));
    }

    if (!deploy.only) {
        deploy.snapshots = load_snapshot_files(settings.root);
    }
    bool plan_only = values->count("plan") != 0;
    deploy.plan_only = plan_only;
    DatabaseSession session = open_database(settings, !plan_only);
    deploy.connect = [url = session.scratch ? session.scratch->url()
                                            : settings.database_url.value_or("")] {
        return std::make_unique<pg::Connection>(url);
    };
    deploy.lock_wait = settings.lock_wait.value();
    bool json = settings.format == OutputFormat::json;
    Deployer* self = nullptr;
    Deployer deployer(*session.connection, *session.ledger, graph, loaded.project, deploy,
                      [&](const DeployEvent& event) {
                          if (json) {
                              print_json_event(event, self->deploy_id());
                          } else {
                              print_text_event(event, self->deploy_id(), settings, graph);
                          }
                      });
    self = &deployer;
    DeployPlan plan = deployer.preflight();
    if (plan_only) {
        return print_plan(settings, plan, deploy.hook);
    }
    if (!json && settings.verbosity >= 0) {
        std::cout << "deploying to " << session.connection->description() << '\n';
    }
    return deployer.run(plan);
}

} // namespace ecluse::cli
