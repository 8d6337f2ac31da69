#include "runtime/fresh.hpp"

#include "pg/conninfo.hpp"
#include "runtime/database_state.hpp"
#include "script/sql_splitter.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <charconv>
#include <chrono>

namespace ecluse {

namespace {

// Statements joined into as few round trips as COPY allows.
std::vector<Statement> batches_of(const std::vector<Statement>& statements) {
    std::vector<Statement> out;
    for (const Statement& statement : statements) {
        if (statement.copy_data || out.empty() || out.back().copy_data) {
            out.push_back(statement);
        } else {
            out.back().sql += ";\n" + statement.sql;
        }
    }
    return out;
}

// What the first branch whose history below its files was deleted after a
// snapshot stands on (RevisionGraph::snapshot_base); nullopt when the whole
// history is on disk.
std::optional<std::string> deleted_base(const RevisionGraph& graph) {
    for (Branch branch : k_branches) {
        if (auto base = graph.snapshot_base(branch)) {
            return base;
        }
    }
    return std::nullopt;
}

// Where the failing statement is in its file; for a COPY, the data row the
// server's context names ("COPY bookings, line 3, column amount: ..."
// counts the data's own lines).
SourceLocation failure_location(const Statement& statement, std::string_view context) {
    SourceLocation where = statement.location;
    constexpr std::string_view k_line = ", line ";
    std::size_t at = context.find(k_line);
    if (!statement.copy_data || statement.copy_data_line <= 0 || context.substr(0, 5) != "COPY " ||
        at == std::string_view::npos) {
        return where;
    }
    int row = 0;
    std::string_view digits = context.substr(at + k_line.size());
    if (std::from_chars(digits.data(), digits.data() + digits.size(), row).ec == std::errc() &&
        row > 0) {
        where.line = statement.copy_data_line + row - 1;
        where.column = 0;
    }
    return where;
}

} // namespace

void run_in_transaction(pg::Connection& connection, const std::vector<Statement>& statements,
                        const std::function<void()>& before_commit, const std::string& what,
                        const std::string& rolled_back, bool batched) {
    if (batched) {
        try {
            run_in_transaction(connection, batches_of(statements), before_commit, what, rolled_back,
                               false);
            return;
        } catch (const MigrationFailed& failure) {
            if (failure.sqlstate().rfind("08", 0) == 0 || failure.sqlstate().empty()) {
                throw; // the connection is gone: nothing to run again
            }
            // Rolled back: run again statement by statement to name the one that fails.
        }
    }
    const Statement* current = nullptr;
    try {
        connection.execute("BEGIN");
        for (const Statement& statement : statements) {
            current = &statement;
            if (statement.copy_data) {
                connection.copy_from_stdin(statement.sql, *statement.copy_data);
            } else {
                connection.execute(statement.sql);
            }
        }
        current = nullptr;
        if (before_commit) {
            before_commit();
        }
        connection.execute("COMMIT");
        connection.execute("RESET ALL");
    } catch (const pg::DatabaseError& error) {
        try {
            connection.execute("ROLLBACK");
            connection.execute("RESET ALL");
        } catch (...) {
            // A lost connection rolls back on the server's side.
        }
        const pg::ServerError& server = error.server();
        SourceLocation where =
            current != nullptr ? failure_location(*current, server.context) : SourceLocation{};
        std::string message =
            what + " failed" + (where.file.empty() ? "" : " at " + where.to_string()) + ": " +
            (server.sqlstate.empty() ? "" : server.sqlstate + " ") + server.message;
        if (!server.detail.empty()) {
            message += "\n  detail: " + server.detail;
        }
        if (!server.context.empty()) {
            message += "\n  context: " + std::string(trim(server.context));
        }
        if (current != nullptr) {
            std::string line = current->sql.substr(0, current->sql.find('\n'));
            message += "\n  statement: " + (line.size() > 80 ? line.substr(0, 77) + "..." : line);
        }
        throw MigrationFailed(message, rolled_back, server.sqlstate, where,
                              error.connection_lost() ? ErrorKind::connection
                                                      : ErrorKind::migration);
    }
}

SnapshotOutcome apply_snapshot(pg::Connection& connection, Ledger& ledger,
                               const SnapshotFile& snapshot) {
    auto start = std::chrono::steady_clock::now();
    std::vector<Statement> statements =
        split_statements(snapshot.sql, SourceLocation{snapshot.path, snapshot.sql_first_line, 1});
    double duration_ms = 0;
    run_in_transaction(
        connection, statements,
        [&] {
            // The replaced revisions and the log entry: one round trip.
            std::string records =
                ledger.sql().record_replaced_sql(snapshot.replaces, snapshot.name);
            duration_ms = elapsed_ms(start);
            connection.execute((records.empty() ? "" : records + ";\n") +
                               ledger.sql().log_sql("snapshot", std::nullopt, "applied",
                                                    snapshot.name, duration_ms));
        },
        "snapshot " + snapshot.name,
        "it was rolled back: the database is as empty as it was. Check the snapshot with "
        "`ecluse check --verify-snapshots`, or take it again with `ecluse snapshot`",
        true);
    return {&snapshot, duration_ms};
}

UpgradeStart start_upgrade(pg::Connection& connection, Ledger& ledger, const RevisionGraph& graph,
                           const Project& project, const std::vector<SnapshotFile>& snapshots,
                           const std::vector<BranchTarget>& targets, bool out_of_order,
                           const std::vector<BranchTarget>* snapshot_for) {
    UpgradeStart start;
    // The ledger is read once when no snapshot is applied (a database made
    // from a template or a spare already holds its snapshot's rows).
    std::vector<AppliedRevision> applied = ledger.applied(true);
    if (applied.empty() && !snapshots.empty()) {
        const SnapshotFile* usable = usable_snapshot(
            graph, project, snapshots, snapshot_for != nullptr ? *snapshot_for : targets);
        if (usable == nullptr && deleted_base(graph)) {
            // The first files stand on revisions only a snapshot holds: the
            // one at every head, although the targets name fewer branches.
            usable = usable_snapshot(
                graph, project, snapshots,
                {{Branch::pre, graph.head(Branch::pre)}, {Branch::post, graph.head(Branch::post)}});
            if (usable == nullptr) {
                throw CheckFailed("the revision files stand on " + *deleted_base(graph) +
                                      ", whose history was deleted, and no snapshot can start an "
                                      "empty database there: nothing was applied",
                                  "restore the snapshot file that replaced it from git, or the "
                                  "deleted revision files");
            }
        }
        if (usable != nullptr) {
            start.snapshot = apply_snapshot(connection, ledger, *usable);
            applied = ledger.applied(true);
        }
    }
    start.position = Ledger::position_of(applied, graph);
    std::vector<OutOfOrder> holes = ecluse::out_of_order(graph, applied);
    if (!out_of_order) {
        std::vector<Branch> branches;
        for (const BranchTarget& target : targets) {
            branches.push_back(target.branch);
        }
        throw_if_any("revisions are out of order: nothing was applied",
                     out_of_order_problems(graph, holes, branches, "upgrade"));
        holes.clear();
    }
    start.steps = plan_upgrade(graph, start.position, targets, holes);
    return start;
}

std::size_t upgrade_to(pg::Connection& connection, Ledger& ledger, const RevisionGraph& graph,
                       const Project& project, const std::vector<SnapshotFile>& snapshots,
                       const std::vector<BranchTarget>& targets, const MigratorOptions& options,
                       SnapshotOutcome* snapshot_outcome) {
    UpgradeStart start =
        start_upgrade(connection, ledger, graph, project, snapshots, targets, false);
    if (snapshot_outcome != nullptr) {
        *snapshot_outcome = start.snapshot;
    }
    Migrator migrator(connection, ledger, options);
    for (const PreparedStep& step : prepare_steps(project, start.steps)) {
        migrator.run(step);
    }
    return start.steps.size();
}

std::string run_pg_dump(const std::filesystem::path& pg_dump, const std::string& url,
                        const std::vector<std::string>& arguments) {
    std::vector<std::string> argv = {pg_dump.string(), "--dbname", url};
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    ProcessResult result = run_process(argv);
    if (result.exit_code != 0) {
        throw OperationFailed("pg_dump failed on " + pg::redact_connection_string(url) + ": " +
                                  std::string(trim(pg::without_password(result.errors, url))),
                              "pg_dump must be of the server's major version or newer (" +
                                  pg_dump.string() + " was used)");
    }
    return result.output;
}

std::string comparable_schema(const std::string& dump) {
    std::string out;
    for (std::string_view line : split_lines(dump)) {
        std::string_view text = trim(line);
        if (text.empty() || text.substr(0, 2) == "--" || text.substr(0, 9) == "\\restrict" ||
            text.substr(0, 11) == "\\unrestrict") {
            continue;
        }
        out += std::string(line) + "\n";
    }
    return out;
}

} // namespace ecluse
