#pragma once

// Executing a plan: one transaction per migration with its bookkeeping row
// inside it, or statement by statement for `transaction: none` revisions;
// lock_timeout and statement_timeout per migration; a migration that hits
// lock_timeout is retried with backoff a bounded number of times.

#include "graph/plan.hpp"
#include "pg/connection.hpp"
#include "runtime/ledger.hpp"
#include "script/sql_splitter.hpp"
#include "util/time.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace ecluse {

// A migration that failed: what, where (revision, file:line:column), the
// server's SQLSTATE, message, detail and hint, and what is left applied.
class MigrationFailed : public Error {
public:
    MigrationFailed(const std::string& message, std::string hint, std::string sqlstate,
                    SourceLocation location)
        : Error(k_exit_failed, message, std::move(hint)), m_sqlstate(std::move(sqlstate)),
          m_location(std::move(location)) {}
    const std::string& sqlstate() const { return m_sqlstate; }
    const SourceLocation& location() const { return m_location; }

private:
    std::string m_sqlstate;
    SourceLocation m_location;
};

struct MigratorOptions {
    Duration lock_timeout{std::chrono::seconds(5)};
    Duration statement_timeout{std::chrono::seconds(60)};
    int lock_retries = 3;                        // after the first attempt
    std::chrono::milliseconds retry_pause{1000}; // doubled at each retry
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

// Splits every step's SQL before anything runs, so that a syntax error or
// a revision without a downgrade section stops the plan before it starts.
std::vector<PreparedStep> prepare_steps(const std::vector<Step>& steps);

struct StepOutcome {
    double duration_ms = 0;
    int attempts = 1;
};

class Migrator {
public:
    Migrator(pg::Connection& connection, Ledger& ledger, MigratorOptions options);

    // Runs one step; throws MigrationFailed, having rolled back a
    // transactional migration. `on_retry` is told of each lock_timeout retry.
    StepOutcome run(const PreparedStep& step,
                    const std::function<void(int attempt, const std::string& why)>& on_retry = {});

    // Records (upgrade) or forgets (downgrade) a revision without running it.
    void stamp(const Step& step);

    // Undoes a revision that is applied but missing from disk, with the
    // downgrade SQL stored when it was applied.
    StepOutcome undo_orphan(const AppliedRevision& orphan);

private:
    void run_transactional(const RevisionFile& revision, Direction direction,
                           const std::vector<Statement>& statements, double& duration_ms);
    void run_one_by_one(const RevisionFile& revision, Direction direction,
                        const std::vector<Statement>& statements, double& duration_ms);
    void execute_statement(const Statement& statement);
    // The ledger row (recorded or forgotten) and the log line of a step.
    std::string bookkeeping_sql(const RevisionFile& revision, Direction direction,
                                double duration_ms) const;
    [[noreturn]] void fail(const RevisionFile& revision, Direction direction,
                           const Statement* statement, const pg::DatabaseError& error,
                           const std::string& left_applied);

    // A step whose connection the server closed: one line, no libpq advice.
    [[noreturn]] void lost_connection(const RevisionFile& revision, Direction direction,
                                      const pg::DatabaseError& error,
                                      const std::string& left_applied);

    pg::Connection& m_connection;
    Ledger& m_ledger;
    MigratorOptions m_options;
};

} // namespace ecluse
