#include "runtime/migrator.hpp"

#include "pg/connection.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <thread>

namespace ecluse {

using pg::quote_literal;

namespace {

// A transactional migration that failed and was rolled back, and the
// statement that failed (nullptr: the bookkeeping or the commit).
struct RolledBack {
    pg::DatabaseError error;
    const Statement* statement;
};

const char* verb(Direction direction) {
    return direction == Direction::upgrade ? "upgrade" : "downgrade";
}

// The file location of character `position` (1-based) of a statement.
SourceLocation locate(const Statement& statement, int position) {
    if (position <= 0) {
        return statement.location;
    }
    std::size_t offset = utf8_offset(statement.sql, static_cast<std::size_t>(position - 1));
    LineColumn at = line_column_at(statement.sql, offset);
    SourceLocation location = statement.location;
    location.line += at.line - 1;
    location.column = at.line == 1 ? statement.location.column + at.column - 1 : at.column;
    return location;
}

std::string first_line(const std::string& sql) {
    std::string line = sql.substr(0, sql.find('\n'));
    return line.size() > 80 ? line.substr(0, 77) + "..." : line;
}

} // namespace

std::vector<std::string> timeout_settings(const RevisionFile& revision,
                                          const MigratorOptions& options) {
    std::string set = revision.transaction == TransactionMode::none ? "SET " : "SET LOCAL ";
    return {
        set + "lock_timeout = " +
            quote_literal(revision.lock_timeout.value_or(options.lock_timeout).to_sql()),
        set + "statement_timeout = " +
            quote_literal(revision.statement_timeout.value_or(options.statement_timeout).to_sql())};
}

Step with_sql(const Project& project, Step step) {
    step.revision = &project.sql(*step.revision);
    return step;
}

std::vector<PreparedStep> prepare_steps(const Project& project, const std::vector<Step>& steps) {
    std::vector<PreparedStep> prepared;
    for (const Step& header_step : steps) {
        Step step = with_sql(project, header_step);
        const RevisionFile& revision = *step.revision;
        const Section& section =
            step.direction == Direction::upgrade ? revision.upgrade : revision.downgrade;
        if (step.direction == Direction::downgrade && !section.present) {
            throw CheckFailed(
                "revision " + revision.revision + " (" + revision.path +
                    ") has no downgrade section, so it cannot be undone; nothing was changed",
                "add a `-- ecluse:downgrade` section (an empty one if undoing it needs "
                "nothing), or stop the downgrade above it");
        }
        std::vector<Statement> statements = split_section(revision, section);
        refuse_transaction_control(revision, statements);
        prepared.push_back({step, std::move(statements)});
    }
    return prepared;
}

void ConnectionSink::send(const std::vector<std::string>& statements) {
    m_connection.execute(join(statements, "; "));
}

void ConnectionSink::run(const Statement& statement) {
    if (statement.copy_data) {
        m_connection.copy_from_stdin(statement.sql, *statement.copy_data);
    } else {
        m_connection.execute(statement.sql);
    }
}

Migrator::Migrator(pg::Connection& connection, Ledger& ledger, MigratorOptions options)
    : m_connection_sink(std::make_unique<ConnectionSink>(connection)), m_sink(*m_connection_sink),
      m_ledger(&ledger), m_sql(ledger.sql()), m_options(std::move(options)),
      m_connection(&connection) {}

void Migrator::run_statement(const Statement& statement, int index, int total) {
    if (!m_on_activity) {
        m_sink.run(statement);
        return;
    }
    if (!m_watch) {
        m_watch = std::make_unique<StatementWatch>(
            *m_connection, m_options.progress_every,
            [this](const StatementActivity& activity) { m_on_activity(activity); });
    }
    m_watch->begin(index, total, statement.location);
    struct EndWatch {
        StatementWatch& watch;
        ~EndWatch() { watch.end(); }
    } end{*m_watch};
    m_sink.run(statement);
}

Migrator::Migrator(StatementSink& sink, const LedgerSql& ledger, MigratorOptions options)
    : m_sink(sink), m_ledger(nullptr), m_sql(ledger), m_options(std::move(options)) {}

Ledger& Migrator::ledger() const {
    if (m_ledger == nullptr) {
        throw std::logic_error("this Migrator writes a script: it has no database");
    }
    return *m_ledger;
}

double Migrator::elapsed_since(std::chrono::steady_clock::time_point start) const {
    return m_sink.runs_now() ? elapsed_ms(start) : 0;
}

void Migrator::fail(const RevisionFile& revision, Direction direction, const Statement* statement,
                    const pg::DatabaseError& error, const std::string& left_applied) {
    const pg::ServerError& server = error.server();
    SourceLocation where =
        statement != nullptr ? locate(*statement, server.position) : SourceLocation{revision.path};
    if (error.connection_lost()) {
        lost_connection(revision, direction, error, left_applied);
    }
    std::string message = std::string(verb(direction)) + " of " + revision.revision + " (" +
                          std::string(branch_name(revision.branch)) + ", " + revision.message +
                          ") failed at " + where.to_string() + ": " +
                          (server.sqlstate.empty() ? "" : server.sqlstate + " ") + server.message;
    if (!server.detail.empty()) {
        message += "\n  detail: " + server.detail;
    }
    if (statement != nullptr) {
        message += "\n  statement: " + first_line(statement->sql);
    }
    std::string hint = server.hint.empty() ? left_applied : server.hint + "\n  " + left_applied;
    if (server.sqlstate == "57014" &&
        server.message.find("statement timeout") != std::string::npos) {
        // 57014 is also a cancel by hand: only the timeout's own words name it.
        std::string limit =
            revision.statement_timeout.value_or(m_options.statement_timeout).to_sql();
        hint = "the statement ran past statement_timeout (" + limit +
               "); raise it for this revision with a `-- statement_timeout: 10min` header, or for "
               "every migration with --statement-timeout, ECLUSE_STATEMENT_TIMEOUT or "
               "statement_timeout in ecluse.toml\n  " +
               hint;
    }
    try {
        ledger().log(verb(direction), revision.revision, "failed",
                     server.sqlstate + " " + server.message + " at " + where.to_string());
    } catch (...) {
        // The connection may be gone; the error below says what matters.
    }
    throw MigrationFailed(message, hint, server.sqlstate, where, ErrorKind::migration,
                          revision.revision);
}

void Migrator::lost_connection(const RevisionFile& revision, Direction direction,
                               const pg::DatabaseError& error, const std::string& left_applied) {
    const pg::ServerError& server = error.server();
    std::string why = server.message.empty() ? "" : ": " + server.message;
    if (!server.sqlstate.empty()) {
        why = ": " + server.sqlstate + " " + server.message;
    }
    throw MigrationFailed(
        "the server closed the connection while " +
            std::string(direction == Direction::upgrade ? "applying " : "undoing ") +
            revision.revision + " (" + revision.path + ")" + why,
        left_applied + ". The server's log says why (an administrator, a restart, a "
                       "crash, the network); run the same command again once it is back",
        server.sqlstate, SourceLocation{revision.path}, ErrorKind::connection, revision.revision);
}

void Migrator::run_transactional(const RevisionFile& revision, Direction direction,
                                 const std::vector<Statement>& statements, double& duration_ms) {
    auto start = std::chrono::steady_clock::now();
    const Statement* current = nullptr;
    try {
        // Round trips: one to open the transaction with its timeouts, one
        // per statement (so that an error's position maps back into the
        // file), one for the bookkeeping and the commit.
        std::vector<std::string> begin = {"BEGIN"};
        for (std::string& setting : timeout_settings(revision, m_options)) {
            begin.push_back(std::move(setting));
        }
        m_sink.send(begin);
        for (std::size_t i = 0; i < statements.size(); ++i) {
            current = &statements[i];
            run_statement(statements[i], static_cast<int>(i) + 1,
                          static_cast<int>(statements.size()));
        }
        current = nullptr;
        duration_ms = elapsed_since(start);
        std::vector<std::string> end =
            bookkeeping_sql(revision, direction, statements, duration_ms);
        end.emplace_back("COMMIT");
        m_sink.send(end);
    } catch (const pg::DatabaseError& error) {
        try {
            m_sink.send({"ROLLBACK"});
        } catch (...) {
            // A lost connection rolls back on the server's side.
        }
        throw RolledBack{error, current};
    }
}

std::string step_note(const Step& step, const StepOutcome& outcome) {
    std::string note = step.reason;
    if (outcome.resumed_at > 0) {
        note += (note.empty() ? "" : ", ") + std::string("resumed at statement ") +
                std::to_string(outcome.resumed_at) + " of " + std::to_string(outcome.statements);
    }
    return note;
}

void Migrator::run_one_by_one(const RevisionFile& revision, Direction direction,
                              const std::vector<Statement>& statements, StepOutcome& outcome) {
    auto start = std::chrono::steady_clock::now();
    std::vector<std::string> texts;
    texts.reserve(statements.size());
    for (const Statement& statement : statements) {
        texts.push_back(statement.sql + '\n' + statement.copy_data.value_or(""));
    }
    std::vector<std::string> checksums = progress_checksums(texts);
    int total = static_cast<int>(statements.size());
    std::size_t first = 0;
    if (m_ledger != nullptr) {
        for (const StatementProgress& progress : m_ledger->progress()) {
            if (progress.revision != revision.revision || progress.action != verb(direction) ||
                progress.done <= 0 || progress.done >= total) {
                continue;
            }
            auto done = static_cast<std::size_t>(progress.done);
            std::string where = revision.revision + " (" + revision.path + ")";
            if (checksums[done] != progress.checksum) {
                log::warn("the " + std::string(verb(direction)) + " of " + where +
                          " was interrupted after statement " + std::to_string(done) + " of " +
                          std::to_string(progress.total) +
                          ", but those statements changed since: running it from statement 1");
                continue;
            }
            first = done;
            outcome.resumed_at = progress.done + 1;
            log::info("resuming the interrupted " + std::string(verb(direction)) + " of " + where +
                      " at statement " + std::to_string(outcome.resumed_at) + " of " +
                      std::to_string(total) + ": statements 1 to " + std::to_string(done) +
                      " completed on " + progress.at);
        }
    }
    outcome.statements = total;
    m_sink.send(timeout_settings(revision, m_options));
    for (std::size_t i = first; i < statements.size(); ++i) {
        try {
            run_statement(statements[i], static_cast<int>(i) + 1, total);
        } catch (const pg::DatabaseError& error) {
            std::string left =
                "this revision runs without a transaction: statement " + std::to_string(i + 1) +
                " of " + std::to_string(statements.size()) + " failed; " +
                (i == 0 ? std::string("nothing of it was applied")
                 : i == 1
                     ? std::string("statement 1 is applied and stays applied")
                     : "statements 1 to " + std::to_string(i) + " are applied and stay applied") +
                "; the revision is not recorded. Fix the cause and run it again: " +
                (i == 0 ? std::string("it starts from statement 1")
                        : "it resumes at statement " + std::to_string(i + 1) +
                              " as long as the statements before it stay as they are");
            fail(revision, direction, &statements[i], error, left);
        }
        // Autocommitted after the statement: a kill between the two reruns
        // this one statement, never more.
        int done = static_cast<int>(i) + 1;
        if (done < total) {
            m_sink.send({m_sql.progress_sql(revision.revision, verb(direction), done, total,
                                            checksums[i + 1])});
        }
    }
    outcome.duration_ms = elapsed_since(start);
    std::vector<std::string> end = {"BEGIN"};
    for (std::string& statement :
         bookkeeping_sql(revision, direction, statements, outcome.duration_ms)) {
        end.push_back(std::move(statement));
    }
    end.insert(end.end(), {"COMMIT", "RESET lock_timeout", "RESET statement_timeout"});
    m_sink.send(end);
}

std::vector<std::string> Migrator::bookkeeping_sql(const RevisionFile& revision,
                                                   Direction direction,
                                                   const std::vector<Statement>& statements,
                                                   double duration_ms) const {
    return {direction == Direction::upgrade
                ? m_sql.record_sql(revision, duration_ms, false, statements)
                : m_sql.forget_sql(revision.revision),
            m_sql.clear_progress_sql(revision.revision),
            m_sql.log_sql(verb(direction), revision.revision, "applied",
                          m_sink.runs_now() ? "" : "--sql", duration_ms)};
}

StepOutcome Migrator::run(const PreparedStep& prepared, const StepCallbacks& callbacks) {
    const RevisionFile& revision = *prepared.step.revision;
    Direction direction = prepared.step.direction;
    StepOutcome outcome;
    if (log::verbose()) {
        log::debug(std::string(verb(direction)) + " " + revision.revision + " (" + revision.path +
                   "): " + std::to_string(prepared.statements.size()) + " statement" +
                   (prepared.statements.size() == 1 ? "" : "s") +
                   (revision.transaction == TransactionMode::none ? ", one by one"
                                                                  : " in one transaction"));
    }
    m_on_activity = m_connection != nullptr && m_options.progress_every.value().count() > 0
                        ? callbacks.on_activity
                        : nullptr;
    m_sink.begin_step(revision, direction);
    if (revision.transaction == TransactionMode::none) {
        run_one_by_one(revision, direction, prepared.statements, outcome);
        return outcome;
    }
    auto pause = m_options.retry_pause;
    while (true) {
        try {
            run_transactional(revision, direction, prepared.statements, outcome.duration_ms);
            return outcome;
        } catch (const RolledBack& failure) {
            const pg::DatabaseError& error = failure.error;
            bool lock_timeout = error.server().sqlstate == "55P03";
            if (lock_timeout && outcome.attempts <= m_options.lock_retries) {
                if (callbacks.on_retry) {
                    callbacks.on_retry(outcome.attempts, error.server().message);
                }
                try {
                    ledger().log(verb(direction), revision.revision, "retry",
                                 error.server().message);
                } catch (...) {
                }
                std::this_thread::sleep_for(pause);
                pause *= 2;
                ++outcome.attempts;
                continue;
            }
            std::string left =
                error.connection_lost()
                    ? "the connection was lost; PostgreSQL rolled the migration back, so "
                      "none of it is applied"
                    : "the migration was rolled back: none of it is applied";
            if (lock_timeout) {
                left +=
                    " (gave up after " + std::to_string(outcome.attempts) +
                    " attempts on lock_timeout: another session holds a lock this migration needs)";
            }
            fail(revision, direction, failure.statement, error, left);
        }
    }
}

void Migrator::stamp(const Step& step) {
    const RevisionFile& revision = *step.revision;
    ledger();
    m_sink.send(
        {"BEGIN",
         step.direction == Direction::upgrade ? m_sql.record_sql(revision, 0, true)
                                              : m_sql.forget_sql(revision.revision),
         m_sql.clear_progress_sql(revision.revision),
         m_sql.log_sql("stamp", revision.revision,
                       step.direction == Direction::upgrade ? "recorded" : "forgotten", "", 0),
         "COMMIT"});
}

void Migrator::forget_orphan(const AppliedRevision& orphan) {
    ledger();
    m_sink.send({"BEGIN", m_sql.forget_sql(orphan.revision),
                 m_sql.log_sql("forget orphan", orphan.revision, "forgotten",
                               "stamp --forget-orphan: the record only, nothing was run", 0),
                 "COMMIT"});
}

StepOutcome Migrator::undo_orphan(const AppliedRevision& orphan) {
    std::optional<std::string> downgrade_sql =
        orphan.has_downgrade ? ledger().stored_downgrade(orphan.revision) : std::nullopt;
    if (!downgrade_sql) {
        throw CheckFailed("orphan " + orphan.revision +
                              " was applied without a downgrade section, so it "
                              "cannot be undone",
                          "undo its changes by hand if they must go, then `ecluse stamp "
                          "--forget-orphan " +
                              orphan.revision + "` forgets its record (it runs nothing)");
    }
    RevisionFile revision;
    revision.revision = orphan.revision;
    revision.branch = orphan.branch;
    revision.transaction = orphan.transaction;
    revision.message = orphan.message;
    revision.path = orphan.revision + " (stored downgrade of " + orphan.path + ")";
    revision.downgrade = {*downgrade_sql, 1, true};
    PreparedStep prepared{{&revision, Direction::downgrade, {}},
                          split_section(revision, revision.downgrade)};
    return run(prepared);
}

} // namespace ecluse
