#pragma once

// `deploy`: pre migrations, the hook that rolls out the new code, post
// migrations, under the migration lock the caller holds across all three.
// Every phase is recorded in the event log; running it again resumes:
// applied migrations are skipped, the hook runs again (it must be
// idempotent) with the same ECLUSE_DEPLOY_ID.

#include "graph/plan.hpp"
#include "runtime/ledger.hpp"
#include "runtime/migrator.hpp"
#include "script/snapshot_file.hpp"
#include "util/process.hpp"

#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

enum class DeployPhase { pre, hook, post };

// "pre", "deploy", "post": the names of `--phase` and ECLUSE_PHASE.
std::string_view phase_name(DeployPhase phase);
// Throws UsageError for anything else.
DeployPhase parse_phase(const std::string& text);

// A deploy phase that failed: exit 10, 11 or 12 by phase. Its message is
// the failure's own, its hint adds what the phase leaves behind; cause()
// is the error that failed it (a MigrationFailed with its SQLSTATE and
// location, the hook's OperationFailed), when there was one.
class DeployPhaseFailed : public Error {
public:
    DeployPhaseFailed(DeployPhase phase, const std::string& message, std::string hint,
                      std::exception_ptr cause = nullptr);
    DeployPhase phase() const { return m_phase; }
    const std::exception_ptr& cause() const { return m_cause; }

private:
    DeployPhase m_phase;
    std::exception_ptr m_cause;
};

// A check the caller adds to the preflight (lint, for one): it gets the
// graph and the revisions the deploy is about to apply, and returns what
// it refuses. Problems make the preflight fail unless the deploy runs
// with `allow_unsafe`.
using PreflightCheck = std::function<std::vector<Diagnostic>(
    const RevisionGraph& graph, const std::vector<const RevisionFile*>& pending)>;

struct DeployOptions {
    std::filesystem::path root;                // the project; the hook's working directory
    std::optional<DeployPhase> only;           // nullopt: pre, then the hook, then post
    std::vector<std::string> hook;             // argv; needed when the hook phase runs
    bool plan_only = false;                    // --plan: preflight() does not refuse a missing hook
    bool out_of_order = false;                 // apply revisions out of order instead of refusing
    std::chrono::milliseconds hook_timeout{0}; // 0: none
    MigratorOptions migrator;
    std::string deploy_id; // empty: the unfinished deploy's, else a new one
    std::vector<PreflightCheck> extra_checks;
    std::optional<std::string> allow_unsafe; // the reason extra_checks' problems are accepted
    // A full deploy on an empty database starts from the newest usable one
    // (as `upgrade` does); oldest first, as load_snapshot_files returns them.
    std::vector<SnapshotFile> snapshots;
    // Opens another session on the database: the hook runs holding the hook
    // lock on one, so that no other deploy's hook starts while it runs even
    // if the migration lock's session is lost. Unset: no hook lock.
    std::function<std::unique_ptr<pg::Connection>()> connect;
    std::chrono::milliseconds lock_wait{60000};  // for the hook lock
    std::chrono::milliseconds watch_every{1000}; // how often the hook checks both sessions
};

// What a deploy will do from a database's position. Pure.
struct DeployPlan {
    Position target;        // both heads on disk
    std::vector<Step> pre;  // upgrade pre@head
    bool hook = false;      // whether the hook phase runs
    std::vector<Step> post; // upgrade post@head, once pre is done
};

// Plans the phases `only` selects (all when nullopt), each with its
// branch's holes of `out_of_order`. Requires a valid graph.
DeployPlan plan_deploy(const RevisionGraph& graph, const Position& position,
                       std::optional<DeployPhase> only,
                       const std::vector<OutOfOrder>& out_of_order = {});

// What happens, as it happens, for the caller to print.
struct DeployEvent {
    enum class Kind {
        started,            // text: the deploy id; detail: the database's position
        resumed,            // text: the outcome of the unfinished deploy; detail: when
        unsafe_allowed,     // text: the reason; problems: what was accepted
        phase_started,      // phase; count: migrations planned
        snapshot_applied,   // phase, text: the snapshot's name, count: revisions it replaces,
                            // duration_ms
        migration_started,  // phase, revision: about to run
        migration_applied,  // phase, revision, duration_ms, attempts, text: step_note()
        migration_retry,    // phase, revision, attempts, text: why
        statement_activity, // phase, revision, duration_ms: elapsed, text: activity_text(),
                            // from another thread while a long statement runs
        hook_started,       // text: the command
        hook_output,        // stream, text: one line
        phase_finished,     // phase, text: succeeded|failed|interrupted|timed out, duration_ms
        finished,           // exit_code, text: succeeded|failed|interrupted, detail: message
    };
    explicit DeployEvent(Kind kind_, std::optional<DeployPhase> phase_ = std::nullopt,
                         const RevisionFile* revision_ = nullptr)
        : kind(kind_), phase(phase_), revision(revision_) {}

    Kind kind;
    std::optional<DeployPhase> phase;
    const RevisionFile* revision;
    double duration_ms = 0;
    int attempts = 0;
    int count = 0;
    int exit_code = 0;
    OutputStream stream = OutputStream::out;
    std::string text;
    std::string detail;
    std::vector<Diagnostic> problems;
};

using DeployListener = std::function<void(const DeployEvent&)>;

class Deployer {
public:
    // The caller holds the migration lock on `connection` for the
    // Deployer's whole life.
    Deployer(pg::Connection& connection, Ledger& ledger, const RevisionGraph& graph,
             Project& project, DeployOptions options, DeployListener listener);

    // Checks the project (graph, conflict file), the database (drift,
    // orphans), the extra checks and the hook, then plans. Throws (exit 1
    // or 2) when something is wrong; nothing has run then.
    DeployPlan preflight();

    // Runs the plan preflight() returned: returns 0, or throws Error with
    // exit code 10, 11 or 12 naming what failed, or 128 + the signal when
    // SIGINT or SIGTERM interrupted it (forwarded to the hook; a migration
    // in progress finishes or rolls back first).
    int run(const DeployPlan& plan);

    const std::string& deploy_id() const { return m_options.deploy_id; }

private:
    void emit(DeployEvent event) const;
    void log(const std::string& action, const std::string& outcome, const std::string& detail,
             double duration_ms = 0);
    // Settles the deploy id; the unfinished deploy of the same heads it
    // resumes, if any.
    std::optional<LoggedEvent> resume_or_start();
    // With from_snapshot, an empty database first gets the newest usable
    // snapshot for both heads, and `steps` is planned again after it.
    void run_migrations(DeployPhase phase, std::vector<Step> steps, bool from_snapshot = false);
    void run_hook(const DeployPlan& plan);
    // Records the failure and throws DeployPhaseFailed, with the
    // exception being handled, if any, as its cause.
    [[noreturn]] void fail(DeployPhase phase, const std::string& message, const std::string& hint,
                           double phase_ms);
    void stop_if_interrupted(std::optional<DeployPhase> phase, double phase_ms);

    pg::Connection& m_connection;
    Ledger& m_ledger;
    const RevisionGraph& m_graph;
    Project& m_project;
    DeployOptions m_options;
    DeployListener m_listener;
    std::string m_heads; // "heads pre=X post=Y": what the event log keys resumption on
    std::vector<Diagnostic> m_accepted; // extra_checks' problems that allow_unsafe accepted
};

} // namespace ecluse
