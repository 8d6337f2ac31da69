// deploy: the lock, the preflight, then pre, the hook and post (runtime/deploy),
// printed as a release log or as one JSON object per line.

#include "runtime/deploy.hpp"

#include "cli/command.hpp"
#include "cli/database.hpp"
#include "lint/lint.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdio>
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

std::string milliseconds(double ms) {
    char text[32];
    if (ms < 1000) {
        std::snprintf(text, sizeof text, "%.0f ms", ms);
    } else {
        std::snprintf(text, sizeof text, "%.1f s", ms / 1000);
    }
    return text;
}

nlohmann::json at(const std::optional<std::string>& revision) {
    return revision ? nlohmann::json(*revision) : nlohmann::json(nullptr);
}

nlohmann::json step_json(const Step& step) {
    const RevisionFile& revision = *step.revision;
    return {{"revision", revision.revision},
            {"branch", branch_name(revision.branch)},
            {"message", revision.message},
            {"path", revision.path},
            {"reason", step.reason}};
}

void print_line(const nlohmann::json& event) {
    std::cout << json_text(event) << std::endl;
}

// One JSON object per line, flushed as it happens.
void print_json_event(const DeployEvent& event, const std::string& deploy_id) {
    nlohmann::json line;
    auto phase = [&] {
        return event.phase ? nlohmann::json(std::string(phase_name(*event.phase)))
                           : nlohmann::json(nullptr);
    };
    switch (event.kind) {
    case DeployEvent::Kind::started:
        line = {{"event", "deploy_started"}, {"deploy_id", event.text}, {"phases", event.detail}};
        break;
    case DeployEvent::Kind::resumed:
        line = {{"event", "deploy_resumed"},
                {"deploy_id", deploy_id},
                {"previous_outcome", event.text},
                {"previous_at", event.detail}};
        break;
    case DeployEvent::Kind::unsafe_allowed: {
        nlohmann::json problems = nlohmann::json::array();
        for (const Diagnostic& problem : event.problems) {
            problems.push_back(problem.to_string());
        }
        line = {{"event", "unsafe_allowed"}, {"reason", event.text}, {"problems", problems}};
        break;
    }
    case DeployEvent::Kind::phase_started:
        line = {{"event", "phase_started"}, {"phase", phase()}};
        if (event.phase != DeployPhase::hook) {
            line["planned"] = event.count;
        }
        break;
    case DeployEvent::Kind::snapshot_applied:
        line = {{"event", "snapshot_applied"},
                {"phase", phase()},
                {"snapshot", event.text},
                {"replaces", event.count},
                {"duration_ms", event.duration_ms}};
        break;
    case DeployEvent::Kind::migration_applied:
    case DeployEvent::Kind::migration_retry:
        line = {{"event", event.kind == DeployEvent::Kind::migration_applied ? "migration_applied"
                                                                             : "migration_retry"},
                {"phase", phase()},
                {"revision", event.revision->revision},
                {"branch", branch_name(event.revision->branch)},
                {"message", event.revision->message},
                {"attempts", event.attempts}};
        if (event.kind == DeployEvent::Kind::migration_applied) {
            line["duration_ms"] = event.duration_ms;
            line["note"] = event.text;
        } else {
            line["why"] = event.text;
        }
        break;
    case DeployEvent::Kind::hook_started:
        line = {{"event", "hook_started"}, {"command", event.text}};
        break;
    case DeployEvent::Kind::hook_output:
        line = {{"event", "hook_output"},
                {"stream", event.stream == OutputStream::out ? "stdout" : "stderr"},
                {"line", event.text}};
        break;
    case DeployEvent::Kind::phase_finished:
        line = {{"event", "phase_finished"},
                {"phase", phase()},
                {"outcome", event.text},
                {"duration_ms", event.duration_ms}};
        break;
    case DeployEvent::Kind::finished:
        line = {{"event", "deploy_finished"},
                {"deploy_id", deploy_id},
                {"outcome", event.text},
                {"exit_code", event.exit_code}};
        if (!event.detail.empty()) {
            line["message"] = event.detail;
        }
        break;
    }
    print_line(line);
}

// A release log a person reads: each phase, each migration, the hook's lines.
class TextLog {
public:
    TextLog(const Settings& settings, const RevisionGraph& graph)
        : m_quiet(settings.verbosity < 0), m_graph(graph) {}

    void operator()(const DeployEvent& event, const std::string& deploy_id) {
        if (event.kind == DeployEvent::Kind::hook_output) {
            // The hook's own stderr stays on stderr, so that pipelines keep it apart.
            (event.stream == OutputStream::out ? std::cout : std::cerr)
                << "  [hook] " << event.text << std::endl;
            return;
        }
        if (m_quiet) {
            return;
        }
        switch (event.kind) {
        case DeployEvent::Kind::started:
            std::cout << "deploy " << deploy_id << " (" << event.detail << ")\n";
            break;
        case DeployEvent::Kind::resumed:
            std::cout << "resuming deploy " << deploy_id << ": it stopped (" << event.text
                      << ") at " << event.detail << "; applied migrations are skipped\n";
            break;
        case DeployEvent::Kind::unsafe_allowed:
            std::cout << "preflight problems accepted (--allow-unsafe: " << event.text << "):\n";
            for (const Diagnostic& problem : event.problems) {
                std::cout << "  " << problem.to_string() << '\n';
            }
            break;
        case DeployEvent::Kind::phase_started:
            if (event.phase != DeployPhase::hook) {
                std::cout << phase_name(*event.phase) << ": "
                          << (event.count == 0 ? std::string("nothing to apply")
                                               : std::to_string(event.count) + " migration" +
                                                     (event.count == 1 ? "" : "s") + " to apply")
                          << '\n';
            }
            break;
        case DeployEvent::Kind::snapshot_applied:
            std::cout << "  applied snapshot " << event.text << "  (replaces " << event.count
                      << " revisions, " << milliseconds(event.duration_ms) << ")\n";
            break;
        case DeployEvent::Kind::migration_applied:
            std::cout << "  applied " << event.revision->revision << "  " << event.revision->message
                      << "  (" << milliseconds(event.duration_ms)
                      << (event.attempts > 1 ? ", " + std::to_string(event.attempts) + " attempts"
                                             : "")
                      << (event.text.empty() ? "" : ", " + event.text) << ")\n";
            break;
        case DeployEvent::Kind::migration_retry:
            std::cout << "  " << event.revision->revision << ": " << event.text
                      << "; retrying (attempt " << event.attempts + 1 << ")\n";
            break;
        case DeployEvent::Kind::hook_started:
            std::cout << "deploy: running " << event.text << '\n';
            break;
        case DeployEvent::Kind::phase_finished:
            std::cout << phase_name(*event.phase) << ": " << event.text << " in "
                      << milliseconds(event.duration_ms) << '\n';
            break;
        case DeployEvent::Kind::finished:
            if (event.text == "succeeded") {
                std::cout << "deploy " << deploy_id << " succeeded: pre at "
                          << m_graph.head(Branch::pre).value_or("base") << ", post at "
                          << m_graph.head(Branch::post).value_or("base") << '\n';
            }
            break;
        case DeployEvent::Kind::hook_output:
            break;
        }
        std::cout.flush();
    }

private:
    bool m_quiet;
    const RevisionGraph& m_graph;
};

int print_plan(const Settings& settings, const DeployPlan& plan,
               const std::vector<std::string>& hook) {
    if (settings.format == OutputFormat::json) {
        for (auto [phase, steps] :
             {std::pair{DeployPhase::pre, &plan.pre}, std::pair{DeployPhase::hook, &plan.pre},
              std::pair{DeployPhase::post, &plan.post}}) {
            nlohmann::json line = {{"event", "plan"}, {"phase", std::string(phase_name(phase))}};
            if (phase == DeployPhase::hook) {
                if (!plan.hook) {
                    continue;
                }
                // null: no hook is configured, which the deploy would refuse.
                line["hook"] = hook.empty() ? nlohmann::json(nullptr) : nlohmann::json(hook);
            } else {
                nlohmann::json migrations = nlohmann::json::array();
                for (const Step& step : *steps) {
                    migrations.push_back(step_json(step));
                }
                line["migrations"] = migrations;
            }
            print_line(line);
        }
        print_line({{"event", "plan_finished"},
                    {"target", {{"pre", at(plan.target.pre)}, {"post", at(plan.target.post)}}}});
        return 0;
    }
    auto list = [](const char* title, const std::vector<Step>& steps) {
        std::cout << title << ": "
                  << (steps.empty() ? std::string("nothing to apply")
                                    : std::to_string(steps.size()) + " migration" +
                                          (steps.size() == 1 ? "" : "s"))
                  << '\n';
        for (const Step& step : steps) {
            std::cout << "  " << branch_name(step.revision->branch) << ' '
                      << step.revision->revision << "  " << step.revision->message
                      << (step.reason.empty() ? "" : "  (" + step.reason + ")") << '\n';
        }
    };
    std::cout << "plan (nothing is changed): pre head " << plan.target.pre.value_or("(none)")
              << ", post head " << plan.target.post.value_or("(none)") << '\n';
    list("pre", plan.pre);
    if (plan.hook && hook.empty()) {
        std::cout << "deploy: no hook is configured, so `ecluse deploy` would refuse to start; "
                     "pass --hook CMD, set `hook` in ecluse.toml's [deploy] table, or create an "
                     "executable deploy/hook\n";
    } else if (plan.hook) {
        std::string command;
        for (const std::string& word : hook) {
            command += (command.empty() ? "" : " ") + word;
        }
        std::cout << "deploy: run " << command << '\n';
    }
    list("post", plan.post);
    return 0;
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
                "configured)")(
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
    TextLog text(settings, graph);
    Deployer* self = nullptr;
    Deployer deployer(*session.connection, *session.ledger, graph, loaded.project, deploy,
                      [&](const DeployEvent& event) {
                          if (json) {
                              print_json_event(event, self->deploy_id());
                          } else {
                              text(event, self->deploy_id());
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
