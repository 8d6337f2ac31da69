#include "runtime/deploy.hpp"

#include "graph/project_check.hpp"
#include "runtime/database_state.hpp"
#include "runtime/fresh.hpp"
#include "runtime/lock.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <signal.h>

#include <cstring>

namespace ecluse {

namespace {

std::string at_or_base(const std::optional<std::string>& revision) {
    return revision.value_or("base");
}

bool includes(std::optional<DeployPhase> only, DeployPhase phase) {
    return !only || *only == phase;
}

ErrorKind failure_kind(DeployPhase phase) {
    switch (phase) {
    case DeployPhase::pre:
        return ErrorKind::deploy_pre;
    case DeployPhase::hook:
        return ErrorKind::deploy_hook;
    case DeployPhase::post:
        return ErrorKind::deploy_post;
    }
    return ErrorKind::failed;
}

std::string signal_name(int signal) {
    return signal == SIGINT ? "SIGINT" : signal == SIGTERM ? "SIGTERM" : strsignal(signal);
}

std::string describe_command(const std::vector<std::string>& argv) {
    std::string out;
    for (const std::string& word : argv) {
        bool plain = !word.empty() && word.find_first_of(" \t\n'\"\\$`") == std::string::npos;
        out += (out.empty() ? "" : " ") + (plain ? word : quote_value(word));
    }
    return out;
}

// "20261122T143000-3f2a1b": sorts by time, unique enough for one database.
std::string new_deploy_id() {
    return format_compact_utc(std::chrono::system_clock::now()) + "-" + random_hex(6);
}

} // namespace

DeployPhaseFailed::DeployPhaseFailed(DeployPhase phase, const std::string& message,
                                     std::string hint, std::exception_ptr cause)
    : Error(failure_kind(phase), message, std::move(hint)), m_phase(phase),
      m_cause(std::move(cause)) {}

std::string_view phase_name(DeployPhase phase) {
    switch (phase) {
    case DeployPhase::pre:
        return "pre";
    case DeployPhase::hook:
        return "deploy";
    case DeployPhase::post:
        return "post";
    }
    return "";
}

DeployPhase parse_phase(const std::string& text) {
    for (DeployPhase phase : {DeployPhase::pre, DeployPhase::hook, DeployPhase::post}) {
        if (text == phase_name(phase)) {
            return phase;
        }
    }
    throw UsageError("unknown deploy phase " + quote_value(text), "use pre, deploy or post");
}

DeployPlan plan_deploy(const RevisionGraph& graph, const Position& position,
                       std::optional<DeployPhase> only,
                       const std::vector<OutOfOrder>& out_of_order) {
    DeployPlan plan;
    plan.target.pre = graph.head(Branch::pre);
    plan.target.post = graph.head(Branch::post);
    Position after_pre = position;
    if (includes(only, DeployPhase::pre)) {
        plan.pre = plan_upgrade(graph, position, {{Branch::pre, plan.target.pre}}, out_of_order);
        for (const Step& step : plan.pre) {
            after_pre[step.revision->branch] = step.revision->revision;
        }
    }
    plan.hook = includes(only, DeployPhase::hook);
    if (includes(only, DeployPhase::post)) {
        plan.post =
            plan_upgrade(graph, after_pre, {{Branch::post, plan.target.post}}, out_of_order);
    }
    return plan;
}

Deployer::Deployer(pg::Connection& connection, Ledger& ledger, const RevisionGraph& graph,
                   Project& project, DeployOptions options, DeployListener listener)
    : m_connection(connection), m_ledger(ledger), m_graph(graph), m_project(project),
      m_options(std::move(options)), m_listener(std::move(listener)) {
    m_heads = "heads pre=" + at_or_base(graph.head(Branch::pre)) +
              " post=" + at_or_base(graph.head(Branch::post));
}

void Deployer::emit(DeployEvent event) const {
    if (m_listener) {
        m_listener(event);
    }
}

void Deployer::log(const std::string& action, const std::string& outcome, const std::string& detail,
                   double duration_ms) {
    // The detail keeps the heads and the id too, for people reading the log.
    m_ledger.log(action, std::nullopt, outcome,
                 m_heads + "; deploy " + m_options.deploy_id +
                     (detail.empty() ? "" : "; " + detail),
                 duration_ms, DeployMark{m_options.deploy_id, m_heads});
}

DeployPlan Deployer::preflight() {
    CheckReport report = check_project(m_project);
    throw_if_any("the project does not pass `ecluse check`: nothing was deployed", report.problems);
    m_graph.require_valid();
    auto applied = m_ledger.applied();
    throw_if_any("the database does not match the project: nothing was deployed",
                 database_problems(m_graph, m_project, applied, m_options.out_of_order, "deploy"));
    Position position = Ledger::position_of(applied, m_graph);
    DeployPlan plan = plan_deploy(m_graph, position, m_options.only,
                                  m_options.out_of_order ? out_of_order(m_graph, applied)
                                                         : std::vector<OutOfOrder>{});

    if (m_options.only && *m_options.only != DeployPhase::pre) {
        auto pending = plan_deploy(m_graph, position, DeployPhase::pre).pre;
        if (!pending.empty()) {
            throw CheckFailed(
                "the " + std::string(phase_name(*m_options.only)) +
                    " phase needs every pre revision applied, and " +
                    std::to_string(pending.size()) + " " + (pending.size() == 1 ? "is" : "are") +
                    " pending (the first: " + pending.front().revision->revision + ", " +
                    pending.front().revision->message + "): nothing was deployed",
                "run `ecluse deploy --phase pre` first");
        }
    }
    if (plan.hook && m_options.hook.empty() && !m_options.plan_only) {
        throw UsageError(
            "no deploy hook: nothing was deployed",
            "pass --hook CMD, set `hook` in ecluse.toml's [deploy] table, or create an "
            "executable deploy/hook");
    }

    std::vector<const RevisionFile*> pending;
    for (const auto* steps : {&plan.pre, &plan.post}) {
        for (const Step& step : *steps) {
            pending.push_back(step.revision);
        }
    }
    std::vector<Diagnostic> refused;
    for (const PreflightCheck& check : m_options.extra_checks) {
        for (Diagnostic& problem : check(m_graph, pending)) {
            refused.push_back(std::move(problem));
        }
    }
    if (!refused.empty() && !m_options.allow_unsafe) {
        throw CheckFailed("the preflight refuses " + std::to_string(refused.size()) + " problem" +
                              (refused.size() == 1 ? "" : "s") + ": nothing was deployed",
                          "fix them, or deploy anyway with --allow-unsafe REASON (the reason "
                          "is recorded in the event log)",
                          refused);
    }
    if (!refused.empty()) {
        m_accepted = std::move(refused);
    }
    return plan;
}

std::optional<LoggedEvent> Deployer::resume_or_start() {
    std::optional<LoggedEvent> last = m_ledger.last_deploy_event();
    bool unfinished = last && last->outcome != "succeeded" && last->deploy &&
                      last->deploy->heads == m_heads && !last->deploy->id.empty();
    if (m_options.deploy_id.empty()) {
        m_options.deploy_id = unfinished ? last->deploy->id : new_deploy_id();
    }
    if (unfinished && last->deploy->id == m_options.deploy_id) {
        return last;
    }
    return std::nullopt;
}

void Deployer::stop_if_interrupted(std::optional<DeployPhase> phase, double phase_ms) {
    int signal = SignalCatcher::last_signal();
    if (signal == 0) {
        return;
    }
    std::string where = phase ? " during the " + std::string(phase_name(*phase)) + " phase" : "";
    std::string message =
        "deploy " + m_options.deploy_id + " interrupted by " + signal_name(signal) + where;
    if (phase) {
        log("deploy " + std::string(phase_name(*phase)), "interrupted", signal_name(signal),
            phase_ms);
        DeployEvent finished{DeployEvent::Kind::phase_finished, phase};
        finished.text = "interrupted";
        finished.duration_ms = phase_ms;
        emit(finished);
    }
    log("deploy", "interrupted", message);
    DeployEvent event{DeployEvent::Kind::finished, phase};
    event.exit_code = 128 + signal;
    event.text = "interrupted";
    event.detail = message;
    emit(event);
    throw Interrupted(signal, message,
                      "every migration that ran is either applied and recorded or rolled back; run "
                      "`ecluse deploy` again to resume (applied migrations are skipped)");
}

void Deployer::fail(DeployPhase phase, const std::string& message, const std::string& hint,
                    double phase_ms) {
    std::exception_ptr cause = std::current_exception();
    int exit_code = exit_code_for(failure_kind(phase));
    std::string name(phase_name(phase));
    try {
        log("deploy " + name, "failed", message, phase_ms);
        log("deploy", "failed", "exit " + std::to_string(exit_code) + ": " + name + " failed");
    } catch (const Error&) {
        // The connection may be gone; the error below says what matters.
    }
    DeployEvent finished{DeployEvent::Kind::phase_finished, phase};
    finished.text = "failed";
    finished.duration_ms = phase_ms;
    emit(finished);
    DeployEvent event{DeployEvent::Kind::finished, phase};
    event.exit_code = exit_code;
    event.text = "failed";
    event.detail = message;
    emit(event);
    throw DeployPhaseFailed(phase, message, hint, cause);
}

void Deployer::run_migrations(DeployPhase phase, std::vector<Step> steps, bool from_snapshot) {
    std::string name(phase_name(phase));
    auto started = std::chrono::steady_clock::now();
    if (from_snapshot) {
        UpgradeStart start;
        std::vector<BranchTarget> heads = {{Branch::pre, m_graph.head(Branch::pre)},
                                           {Branch::post, m_graph.head(Branch::post)}};
        try {
            start = start_upgrade(m_connection, m_ledger, m_graph, m_project, m_options.snapshots,
                                  {heads.front()}, m_options.out_of_order,
                                  m_options.only ? nullptr : &heads);
        } catch (const Error& error) {
            fail(phase, error.what(),
                 error.hint() + "\n  the pre phase failed, so the hook did not run; run `ecluse "
                                "deploy` again once the snapshot is fixed",
                 elapsed_ms(started));
        }
        if (const SnapshotFile* snapshot = start.snapshot.snapshot) {
            std::size_t replaced = snapshot->replaces.size();
            log("deploy " + name, "snapshot",
                snapshot->name + " replaces " + std::to_string(replaced) + " revisions",
                start.snapshot.duration_ms);
            DeployEvent applied{DeployEvent::Kind::snapshot_applied, phase};
            applied.text = snapshot->name;
            applied.count = static_cast<int>(replaced);
            applied.duration_ms = start.snapshot.duration_ms;
            emit(applied);
            steps = std::move(start.steps);
        }
    }
    log("deploy " + name, "started", std::to_string(steps.size()) + " to apply");
    DeployEvent begin{DeployEvent::Kind::phase_started, phase};
    begin.count = static_cast<int>(steps.size());
    emit(begin);
    Migrator migrator(m_connection, m_ledger, m_options.migrator);
    try {
        for (const PreparedStep& step : prepare_steps(m_project, steps)) {
            stop_if_interrupted(phase, elapsed_ms(started));
            emit(DeployEvent{DeployEvent::Kind::migration_started, phase, step.step.revision});
            StepCallbacks callbacks;
            callbacks.on_retry = [&](int attempt, const std::string& why) {
                DeployEvent retry{DeployEvent::Kind::migration_retry, phase, step.step.revision};
                retry.attempts = attempt;
                retry.text = why;
                emit(retry);
            };
            callbacks.on_activity = [&](const StatementActivity& activity) {
                DeployEvent running{DeployEvent::Kind::statement_activity, phase,
                                    step.step.revision};
                running.text = activity_text(activity);
                running.duration_ms = activity.elapsed_seconds * 1000;
                emit(running);
            };
            StepOutcome outcome = migrator.run(step, callbacks);
            DeployEvent applied{DeployEvent::Kind::migration_applied, phase, step.step.revision};
            applied.duration_ms = outcome.duration_ms;
            applied.attempts = outcome.attempts;
            applied.text = step_note(step.step, outcome);
            emit(applied);
        }
    } catch (const Interrupted&) {
        throw; // already recorded
    } catch (const Error& error) {
        std::string hint = error.hint();
        hint += (hint.empty() ? "" : "\n  ") +
                std::string(phase == DeployPhase::pre
                                ? "the pre phase failed, so the hook did not run and code N "
                                  "still runs; fix the revision and run `ecluse deploy` again "
                                  "(applied migrations are skipped)"
                                : "the post phase failed after the hook deployed the new code, "
                                  "which runs now; fix the revision and run `ecluse deploy "
                                  "--phase post`");
        fail(phase, error.what(), hint, elapsed_ms(started));
    }
    stop_if_interrupted(phase, elapsed_ms(started));
    double duration = elapsed_ms(started);
    log("deploy " + name, "succeeded", std::to_string(steps.size()) + " applied", duration);
    DeployEvent end{DeployEvent::Kind::phase_finished, phase};
    end.text = "succeeded";
    end.duration_ms = duration;
    end.count = static_cast<int>(steps.size());
    emit(end);
}

void Deployer::run_hook(const DeployPlan& plan) {
    auto started = std::chrono::steady_clock::now();
    std::string command = describe_command(m_options.hook);
    log("deploy deploy", "started", command);
    DeployEvent begin{DeployEvent::Kind::phase_started, DeployPhase::hook};
    emit(begin);
    DeployEvent announce{DeployEvent::Kind::hook_started, DeployPhase::hook};
    announce.text = command;
    emit(announce);

    StreamOptions options;
    options.working_directory = m_options.root;
    options.timeout = m_options.hook_timeout;
    options.extra_environment = {
        {"ECLUSE_PHASE", "deploy"},
        {"ECLUSE_PRE_HEAD", plan.target.pre.value_or("")},
        {"ECLUSE_POST_HEAD", plan.target.post.value_or("")},
        {"ECLUSE_DEPLOY_ID", m_options.deploy_id},
    };
    int forwarded = 0;
    options.signal_to_forward = [&forwarded] {
        if (SignalCatcher::count() == forwarded) {
            return 0;
        }
        forwarded = SignalCatcher::count();
        // A second signal means now: a hook that ignores SIGTERM is killed.
        return forwarded >= 2 ? SIGKILL : SignalCatcher::last_signal();
    };
    // The hook lock, then both sessions watched while the hook runs: a
    // lost one stops the hook, since another deploy may now take the
    // migration lock.
    std::unique_ptr<pg::Connection> guard;
    std::optional<AdvisoryLock> hook_lock;
    if (m_options.connect) {
        try {
            guard = m_options.connect();
            hook_lock.emplace(*guard, m_ledger.sql().schema(), m_options.lock_wait, "",
                              LockScope::hook);
        } catch (const Error& error) {
            fail(DeployPhase::hook, error.what(),
                 error.hint() + "\n  pre is applied; the hook did not run; post did not run",
                 elapsed_ms(started));
        }
    }
    std::vector<pg::Connection*> watched = {&m_connection};
    if (guard) {
        watched.push_back(guard.get());
    }
    SessionWatch watch(watched, m_options.watch_every);
    options.keep_running = [&watch] { return !watch.lost(); };
    StreamResult result;
    try {
        result = stream_process(
            m_options.hook, options, [&](OutputStream stream, const std::string& line) {
                DeployEvent output{DeployEvent::Kind::hook_output, DeployPhase::hook};
                output.stream = stream;
                output.text = line;
                emit(output);
            });
    } catch (const Error& error) {
        watch.stop();
        fail(DeployPhase::hook, error.what(),
             error.hint() + "\n  pre is applied; code N still runs; post did not run",
             elapsed_ms(started));
    }
    watch.stop();
    double duration = elapsed_ms(started);
    std::string after = "pre is applied and stays applied, post did not run; fix the cause and "
                        "run `ecluse deploy` again (applied migrations are skipped, the hook "
                        "runs again)";
    if (watch.lost()) {
        // Post never runs without the lock, even when the hook succeeded.
        fail(DeployPhase::hook,
             "the database session holding the " +
                 std::string(hook_lock ? "migration or hook lock" : "migration lock") +
                 " was lost during the deploy phase (" + std::string(trim(watch.why())) + ")" +
                 (result.stopped ? ": the hook `" + command +
                                       "` was stopped, so that no other deploy's hook overlaps it"
                                 : ""),
             "another deploy may have taken the lock since; once no other deploy runs, run "
             "`ecluse deploy` again\n  " +
                 after,
             duration);
    }
    stop_if_interrupted(DeployPhase::hook, duration);
    if (result.timed_out) {
        fail(DeployPhase::hook,
             "the deploy hook `" + command + "` did not finish within the hook timeout (" +
                 std::to_string(m_options.hook_timeout.count()) + " ms) and was stopped",
             "raise --hook-timeout if it needs longer\n  " + after, duration);
    }
    if (result.exit_code != 0) {
        fail(DeployPhase::hook,
             "the deploy hook `" + command + "` failed with exit code " +
                 std::to_string(result.exit_code),
             after, duration);
    }
    log("deploy deploy", "succeeded", command, duration);
    DeployEvent end{DeployEvent::Kind::phase_finished, DeployPhase::hook};
    end.text = "succeeded";
    end.duration_ms = duration;
    emit(end);
}

int Deployer::run(const DeployPlan& plan) {
    SignalCatcher signals;
    std::optional<LoggedEvent> resumed = resume_or_start();
    std::string phases;
    for (DeployPhase phase : {DeployPhase::pre, DeployPhase::hook, DeployPhase::post}) {
        if (includes(m_options.only, phase)) {
            phases += (phases.empty() ? "" : ",") + std::string(phase_name(phase));
        }
    }
    log("deploy", "started", "phases " + phases);
    DeployEvent start{DeployEvent::Kind::started};
    start.text = m_options.deploy_id;
    start.detail = phases;
    emit(start);
    if (resumed) {
        DeployEvent event{DeployEvent::Kind::resumed};
        event.text = resumed->outcome;
        event.detail = resumed->at;
        emit(event);
    }
    if (m_options.allow_unsafe) {
        std::string accepted;
        for (const Diagnostic& problem : m_accepted) {
            accepted += "; " + problem.to_string();
        }
        log("deploy", "unsafe allowed", "reason: " + *m_options.allow_unsafe + accepted);
        DeployEvent unsafe{DeployEvent::Kind::unsafe_allowed};
        unsafe.text = *m_options.allow_unsafe;
        unsafe.problems = m_accepted;
        emit(unsafe);
    }

    if (includes(m_options.only, DeployPhase::pre)) {
        // An empty database starts from a snapshot: a full deploy from one at
        // both heads, `--phase pre` only when the history below pre's files
        // was deleted (start_upgrade).
        run_migrations(DeployPhase::pre, plan.pre, true);
    }
    if (plan.hook) {
        run_hook(plan);
    }
    if (includes(m_options.only, DeployPhase::post)) {
        // Planned again: the database may have moved since preflight. A
        // lost session here means a lost lock: post does not run.
        std::vector<AppliedRevision> applied;
        try {
            applied = m_ledger.applied(true);
        } catch (const Error& error) {
            fail(DeployPhase::post,
                 "the database session holding the migration lock was lost before the post "
                 "phase: " +
                     std::string(error.what()),
                 "post did not run, and runs only under the lock: run `ecluse deploy --phase "
                 "post` (or `ecluse deploy`) again",
                 0);
        }
        run_migrations(DeployPhase::post,
                       plan_upgrade(m_graph, Ledger::position_of(applied, m_graph),
                                    {{Branch::post, plan.target.post}},
                                    m_options.out_of_order ? out_of_order(m_graph, applied)
                                                           : std::vector<OutOfOrder>{}));
    }
    bool complete = includes(m_options.only, DeployPhase::post);
    log("deploy", complete ? "succeeded" : "partial", "phases " + phases);
    DeployEvent finished{DeployEvent::Kind::finished};
    finished.text = "succeeded";
    emit(finished);
    return 0;
}

} // namespace ecluse
