#pragma once

// Fresh databases: applying a snapshot to an empty database, bringing a
// database to its targets through the newest usable snapshot, and pg_dump.

#include "graph/snapshots.hpp"
#include "pg/connection.hpp"
#include "runtime/ledger.hpp"
#include "runtime/migrator.hpp"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace ecluse {

// Runs `statements` (COPY data included) in one transaction, then
// `before_commit` inside it, then commits, then RESET ALL (dumps set
// session settings such as an empty search_path). On a server error rolls
// back and throws MigrationFailed: "<what> failed at file:line: SQLSTATE
// message" (for a bad row of a COPY block, the file:line of that row), the
// server's detail and context, and `rolled_back` as hint.
// With `batched`, consecutive statements other than COPY go to the server
// in one round trip (a dump's thousands of statements cost one each
// otherwise); on an error everything is rolled back and run again one by
// one, so that the error names the failing statement.
void run_in_transaction(pg::Connection& connection, const std::vector<Statement>& statements,
                        const std::function<void()>& before_commit, const std::string& what,
                        const std::string& rolled_back, bool batched = false);

struct SnapshotOutcome {
    const SnapshotFile* snapshot = nullptr; // nullptr: none applied
    double duration_ms = 0;
};

// Runs a snapshot's dump and records every revision it replaces as applied
// through it, in one transaction. Throws MigrationFailed naming the
// snapshot's file:line and the server's error, everything rolled back.
SnapshotOutcome apply_snapshot(pg::Connection& connection, Ledger& ledger,
                               const SnapshotFile& snapshot);

// Where an upgrade to `targets` starts. When the ledger records no
// revision and `snapshots` has one usable for `snapshot_for` (usable_snapshot;
// by default `targets`), it is applied first; the steps to `targets` are then
// planned from where the database stands. Revisions out of order in a
// targeted branch are refused (CheckFailed, before anything runs) or, with
// `out_of_order`, planned too. Call with the lock held.
struct UpgradeStart {
    SnapshotOutcome snapshot;
    Position position;       // after the snapshot, if one was applied
    std::vector<Step> steps; // headers: prepare_steps reads their SQL
};
UpgradeStart start_upgrade(pg::Connection& connection, Ledger& ledger, const RevisionGraph& graph,
                           const Project& project, const std::vector<SnapshotFile>& snapshots,
                           const std::vector<BranchTarget>& targets, bool out_of_order,
                           const std::vector<BranchTarget>* snapshot_for = nullptr);

// start_upgrade, then every step run; returns how many revisions ran.
std::size_t upgrade_to(pg::Connection& connection, Ledger& ledger, const RevisionGraph& graph,
                       const Project& project, const std::vector<SnapshotFile>& snapshots,
                       const std::vector<BranchTarget>& targets, const MigratorOptions& options,
                       SnapshotOutcome* snapshot_outcome = nullptr);

// Runs `pg_dump` (the program at that path) on the database at `url` with
// `arguments` and returns what it printed. Throws Error with pg_dump's
// message, any password removed.
std::string run_pg_dump(const std::filesystem::path& pg_dump, const std::string& url,
                        const std::vector<std::string>& arguments);

// A `pg_dump --schema-only` made comparable: comments, blank lines and
// pg_dump's \restrict lines (random keys) dropped.
std::string comparable_schema(const std::string& dump);

} // namespace ecluse
