// How deploy's events and plan are printed: a release log a person reads,
// or one JSON object per line, flushed as each event happens.

#include "cli/deploy_render.hpp"

#include "cli/command.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace ecluse::cli {

namespace {

std::string milliseconds(double ms) {
    char text[32];
    if (ms < 1000) {
        std::snprintf(text, sizeof text, "%.0f ms", ms);
    } else {
        std::snprintf(text, sizeof text, "%.1f s", ms / 1000);
    }
    return text;
}

nlohmann::json step_json(const Step& step) {
    const RevisionFile& revision = *step.revision;
    return {{"revision", revision.revision},
            {"branch", branch_name(revision.branch)},
            {"message", revision.message},
            {"path", revision.path},
            {"reason", text_or_null(step.reason)}};
}

std::string hook_command(const std::vector<std::string>& hook) {
    std::string command;
    for (const std::string& word : hook) {
        command += (command.empty() ? "" : " ") + word;
    }
    return command;
}

// `deploy --plan --format markdown`: one row per migration, phase by phase,
// and one for the hook.
std::string plan_markdown(const DeployPlan& plan, const std::vector<std::string>& hook) {
    std::vector<std::vector<std::string>> rows;
    auto add = [&](const char* phase, const std::vector<Step>& steps) {
        if (steps.empty()) {
            rows.push_back({phase, "", "nothing to apply", ""});
        }
        for (const Step& step : steps) {
            rows.push_back({phase, markdown_code(step.revision->revision), step.revision->message,
                            step.reason});
        }
    };
    add("pre", plan.pre);
    if (plan.hook) {
        rows.push_back({"deploy", "",
                        hook.empty() ? "no hook is configured: `ecluse deploy` would refuse to "
                                       "start"
                                     : "run " + markdown_code(hook_command(hook)),
                        ""});
    }
    add("post", plan.post);
    return markdown_table("ecluse deploy --plan: pre head " + plan.target.pre.value_or("(none)") +
                              ", post head " + plan.target.post.value_or("(none)") +
                              " (nothing is changed)",
                          {"Phase", "Revision", "Message", "Note"}, rows);
}

void print_line(const nlohmann::json& event) {
    std::cout << json_text(event) << std::endl;
}

} // namespace

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
            line["note"] = text_or_null(event.text);
        } else {
            line["why"] = event.text;
        }
        break;
    case DeployEvent::Kind::migration_started:
    case DeployEvent::Kind::statement_activity:
        line = {{"event", event.kind == DeployEvent::Kind::migration_started
                              ? "migration_started"
                              : "statement_activity"},
                {"phase", phase()},
                {"revision", event.revision->revision},
                {"branch", branch_name(event.revision->branch)},
                {"message", event.revision->message}};
        if (event.kind == DeployEvent::Kind::statement_activity) {
            line["elapsed_ms"] = event.duration_ms;
            line["activity"] = event.text;
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
                {"exit_code", event.exit_code},
                {"message", text_or_null(event.detail)}};
        break;
    }
    print_line(line);
}

// A release log a person reads: each phase, each migration, the hook's lines.
void print_text_event(const DeployEvent& event, const std::string& deploy_id,
                      const Settings& settings, const RevisionGraph& graph) {
    if (event.kind == DeployEvent::Kind::hook_output) {
        // The hook's own stderr stays on stderr, so that pipelines keep it apart.
        (event.stream == OutputStream::out ? std::cout : std::cerr)
            << "  [hook] " << event.text << std::endl;
        return;
    }
    if (settings.verbosity < 0) {
        return;
    }
    switch (event.kind) {
    case DeployEvent::Kind::started:
        std::cout << "deploy " << deploy_id << " (" << event.detail << ")\n";
        break;
    case DeployEvent::Kind::resumed:
        std::cout << "resuming deploy " << deploy_id << ": it stopped (" << event.text << ") at "
                  << event.detail << "; applied migrations are skipped\n";
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
                  << (event.attempts > 1 ? ", " + std::to_string(event.attempts) + " attempts" : "")
                  << (event.text.empty() ? "" : ", " + event.text) << ")\n";
        break;
    case DeployEvent::Kind::migration_retry:
        std::cout << "  " << event.revision->revision << ": " << event.text
                  << "; retrying (attempt " << event.attempts + 1 << ")\n";
        break;
    case DeployEvent::Kind::migration_started:
        std::cout << "  applying " << event.revision->revision << "  " << event.revision->message
                  << " ...\n";
        break;
    case DeployEvent::Kind::statement_activity:
        std::cout << "    " << event.revision->revision << ": " << event.text << '\n';
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
                      << graph.head(Branch::pre).value_or("base") << ", post at "
                      << graph.head(Branch::post).value_or("base") << '\n';
        }
        break;
    case DeployEvent::Kind::hook_output:
        break;
    }
    std::cout.flush();
}

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
        print_line(
            {{"event", "plan_finished"},
             {"target",
              {{"pre", json_or_null(plan.target.pre)}, {"post", json_or_null(plan.target.post)}}}});
        return 0;
    }
    if (settings.format == OutputFormat::markdown) {
        std::cout << plan_markdown(plan, hook);
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
        std::cout << "deploy: run " << hook_command(hook) << '\n';
    }
    list("post", plan.post);
    return 0;
}

} // namespace ecluse::cli
