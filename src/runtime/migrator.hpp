#pragma once

// Executing a plan: one transaction per migration with its bookkeeping row
// inside it, or statement by statement for `transaction: none` revisions;
// lock_timeout and statement_timeout per migration; a migration that hits
// lock_timeout is retried with backoff a bounded number of times. The same
// statements go to a connection or into a psql script (`--sql`), through
// a StatementSink, so that the two cannot diverge.

#include "graph/plan.hpp"
#include "pg/connection.hpp"
#include "runtime/ledger.hpp"
#include "runtime/statement_watch.hpp"
#include "script/project.hpp"
#include "script/sql_splitter.hpp"
#include "util/time.hpp"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace ecluse {

// A migration that failed: what, where (revision, file:line:column), the
// server's SQLSTATE, message, detail and hint, and what is left applied.
class MigrationFailed : public Error {
public:
    // `kind` is ErrorKind::connection when the connection was lost (exit 4).
    // `revision` is empty when the failure is not one revision's (a data load).
    MigrationFailed(const std::string& message, std::string hint, std::string sqlstate,
                    SourceLocation location, ErrorKind kind = ErrorKind::migration,
                    std::string revision = {})
        : Error(kind, message, std::move(hint)), m_sqlstate(std::move(sqlstate)),
          m_location(std::move(location)), m_revision(std::move(revision)) {}
    const std::string& sqlstate() const { return m_sqlstate; }
    const SourceLocation& location() const { return m_location; }
    const std::string& revision() const { return m_revision; }

private:
    std::string m_sqlstate;
    SourceLocation m_location;
    std::string m_revision;
};

struct MigratorOptions {
    Duration lock_timeout{std::chrono::seconds(5)};
    Duration statement_timeout{std::chrono::seconds(60)};
    int lock_retries = 3;                        // after the first attempt
    std::chrono::milliseconds retry_pause{1000}; // doubled at each retry
    // While a statement runs longer than this, its activity is reported
    // this often (StepCallbacks::on_activity); 0: never.
    Duration progress_every{std::chrono::seconds(5)};
};

// What a step tells as it runs.
struct StepCallbacks {
    // Each lock_timeout retry.
    std::function<void(int attempt, const std::string& why)> on_retry;
    // A long statement's activity, from the watch's thread while the
    // statement runs (never after it ends); only on a connection.
    std::function<void(const StatementActivity&)> on_activity;
};

// The SET statements that give a migration its lock_timeout and
// statement_timeout (the revision's own, else the run's): `SET LOCAL` in a
// transaction, session-wide `SET` for `transaction: none` revisions.
std::vector<std::string> timeout_settings(const RevisionFile& revision,
                                          const MigratorOptions& options);

// One step made ready to run: its statements split and located.
struct PreparedStep {
    Step step;
    std::vector<Statement> statements;
};

// The step with its revision's SQL: `step.revision` points to the
// project's full revision (Project::sql) instead of the graph's header.
Step with_sql(const Project& project, Step step);

// Splits every step's SQL (read from `project`) before anything runs, so
// that a syntax error or a revision without a downgrade section stops the
// plan before it starts.
std::vector<PreparedStep> prepare_steps(const Project& project, const std::vector<Step>& steps);

// Where the Migrator's statements go: run on a connection, or written into
// a script. A sink that runs them throws pg::DatabaseError when the server
// refuses one.
class StatementSink {
public:
    virtual ~StatementSink() = default;
    // A step starts (a script names it in a comment).
    virtual void begin_step(const RevisionFile& revision, Direction direction) = 0;
    // Control and bookkeeping statements, in order, sent together.
    virtual void send(const std::vector<std::string>& statements) = 0;
    // One statement of a revision, with its COPY data.
    virtual void run(const Statement& statement) = 0;
    // False for a script: nothing runs now, so no duration is measured and
    // the log says `--sql`.
    virtual bool runs_now() const = 0;
};

// The statements run on `connection`.
class ConnectionSink : public StatementSink {
public:
    explicit ConnectionSink(pg::Connection& connection) : m_connection(connection) {}
    void begin_step(const RevisionFile&, Direction) override {}
    void send(const std::vector<std::string>& statements) override;
    void run(const Statement& statement) override;
    bool runs_now() const override { return true; }

private:
    pg::Connection& m_connection;
};

struct StepOutcome {
    double duration_ms = 0;
    int attempts = 1;
    // A `transaction: none` revision interrupted before: the statement the
    // rerun started at (1-based) and how many it has; 0 when it ran whole.
    int resumed_at = 0;
    int statements = 0;
};

// What a step's outcome and reason add to the line that reports it:
// "out of order: ...", "resumed at statement 3 of 4"; empty for neither.
std::string step_note(const Step& step, const StepOutcome& outcome);

class Migrator {
public:
    // Runs the steps on `connection`, failures logged in `ledger`.
    Migrator(pg::Connection& connection, Ledger& ledger, MigratorOptions options);
    // Writes the steps to `sink` (a script), nothing run: stamp() and
    // undo_orphan() need a connection and are not for such a Migrator.
    Migrator(StatementSink& sink, const LedgerSql& ledger, MigratorOptions options);

    // Runs one step; throws MigrationFailed, having rolled back a
    // transactional migration.
    StepOutcome run(const PreparedStep& step, const StepCallbacks& callbacks = {});

    // Records (upgrade) or forgets (downgrade) a revision without running it.
    void stamp(const Step& step); // step.revision with its SQL (with_sql)

    // Undoes a revision that is applied but missing from disk, with the
    // downgrade SQL stored when it was applied.
    StepOutcome undo_orphan(const AppliedRevision& orphan);
    // Forgets an orphan's record without running anything, and logs it
    // ("forget orphan"), in one transaction: the way out for an orphan that
    // has no downgrade section.
    void forget_orphan(const AppliedRevision& orphan);

private:
    // One statement of a revision (1-based `index` of `total`), watched
    // when a step asked for its activity.
    void run_statement(const Statement& statement, int index, int total);
    void run_transactional(const RevisionFile& revision, Direction direction,
                           const std::vector<Statement>& statements, double& duration_ms);
    // Records each statement's completion as it goes, and resumes after
    // the statements an interrupted run recorded.
    void run_one_by_one(const RevisionFile& revision, Direction direction,
                        const std::vector<Statement>& statements, StepOutcome& outcome);
    // The ledger row (recorded or forgotten) and the log line of a step
    // whose statements are `statements`.
    std::vector<std::string> bookkeeping_sql(const RevisionFile& revision, Direction direction,
                                             const std::vector<Statement>& statements,
                                             double duration_ms) const;
    double elapsed_since(std::chrono::steady_clock::time_point start) const;
    // The online ledger; throws when this Migrator only writes a script.
    Ledger& ledger() const;
    [[noreturn]] void fail(const RevisionFile& revision, Direction direction,
                           const Statement* statement, const pg::DatabaseError& error,
                           const std::string& left_applied);

    // A step whose connection the server closed: one line, no libpq advice.
    [[noreturn]] void lost_connection(const RevisionFile& revision, Direction direction,
                                      const pg::DatabaseError& error,
                                      const std::string& left_applied);

    std::unique_ptr<ConnectionSink> m_connection_sink; // when running on a connection
    StatementSink& m_sink;
    Ledger* m_ledger; // nullptr when writing a script
    const LedgerSql& m_sql;
    MigratorOptions m_options;
    pg::Connection* m_connection = nullptr;  // when running on a connection
    StatementWatch::Report m_on_activity;    // the running step's
    std::unique_ptr<StatementWatch> m_watch; // started at the first watched statement
};

} // namespace ecluse
