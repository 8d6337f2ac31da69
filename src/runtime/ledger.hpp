#pragma once

// ecluse's bookkeeping in the database: one row per applied revision (with
// its downgrade SQL, so that a revision whose file is gone can still be
// undone) and an append-only log of every upgrade, downgrade and stamp.

#include "graph/specifier.hpp"
#include "pg/connection.hpp"
#include "script/sql_splitter.hpp"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ecluse {

// The layout of the bookkeeping tables; a later ecluse migrates from older ones.
// 2: applied_revision.snapshot (revisions recorded through a snapshot) and
// the seed table. 3: event_log.deploy_id and deploy_heads, the deploy an
// event belongs to (layout 2 kept them in the detail text only). 4: the
// statement_progress table, how far a `transaction: none` revision got, and
// applied_revision.statements_checksum.
inline constexpr int k_ledger_version = 4;

struct AppliedRevision {
    std::string revision;
    Branch branch = Branch::pre;
    std::optional<std::string> down_revision;
    std::vector<std::string> depends_on;
    std::string checksum; // upgrade_checksum() of the section applied
    // statements_checksum() of its statements; empty for rows written
    // before layout 4 and for stamped revisions.
    std::string statements_checksum;
    std::string message;
    std::string path;
    std::string applied_at;
    std::string applied_by;
    double duration_ms = 0;
    std::string ecluse_version;
    bool has_downgrade = false; // its downgrade SQL is stored (stored_downgrade)
    TransactionMode transaction = TransactionMode::per_migration;
    bool stamped = false;
    std::optional<std::string> snapshot; // the snapshot file it was applied through
};

// How far a `transaction: none` revision got while it ran: its first
// `done` statements of `total` completed. The row outlives an interrupted
// or failed run and goes when the revision is recorded (or forgotten).
struct StatementProgress {
    std::string revision;
    std::string action; // "upgrade" or "downgrade"
    int done = 0;
    int total = 0;
    // progress_checksum() of the statements done, so that a rerun resumes
    // only where the statements it skips are still the same.
    std::string checksum;
    std::string at; // when the last of them completed
};

// A checksum of the statements before each position: checksums[i] covers
// statements 0 to i-1 (checksums[0] is of none), chained so that it costs
// one hash per statement.
std::vector<std::string> progress_checksums(const std::vector<std::string>& statements);

// Which deploy an event of the log belongs to.
struct DeployMark {
    std::string id;    // "20261122T143000-3f2a1b"
    std::string heads; // "heads pre=a1b2c3d4e5f6 post=base": the heads it deploys
};

// One row of the event log.
struct LoggedEvent {
    std::string at; // "2026-11-22T14:30:00Z"
    std::string action;
    std::optional<std::string> revision;
    std::string outcome;
    std::string detail;
    std::optional<DeployMark> deploy; // for the events of a deploy
};
struct ReplacedRevision;

// A checksum of a section's statements alone, without the comments around
// them: adding or editing a comment line (`-- ecluse:ignore ...`) leaves it
// as it was.
std::string statements_checksum(const std::vector<Statement>& statements);

// The SQL of the bookkeeping, with no connection: what Ledger runs, and
// what `--sql` scripts contain.
class LedgerSql {
public:
    explicit LedgerSql(std::string schema);

    // The statements that create the tables when missing, and bring older
    // layouts up to k_ledger_version (every statement can run again).
    std::string create_sql() const;
    // Records or forgets a revision; run inside the migration's own
    // transaction so that both commit together. `statements` are its
    // upgrade section's, split (none for a stamp).
    std::string record_sql(const RevisionFile& revision, double duration_ms, bool stamped,
                           const std::vector<Statement>& statements = {}) const;
    // Records the checksums of `revision` as it is on disk now, for an
    // applied revision whose drift was reviewed and accepted.
    std::string accept_drift_sql(const RevisionFile& revision,
                                 const std::vector<Statement>& statements) const;
    std::string forget_sql(const std::string& revision) const;
    // Records that the first `done` of `total` statements of `revision` ran
    // (`action`: upgrade or downgrade); forgets it (once recorded).
    std::string progress_sql(const std::string& revision, const std::string& action, int done,
                             int total, const std::string& checksum) const;
    std::string clear_progress_sql(const std::string& revision) const;
    // Records revisions as applied through snapshot file `snapshot`, in one
    // statement (empty when there are none).
    std::string record_replaced_sql(const std::vector<ReplacedRevision>& revisions,
                                    const std::string& snapshot) const;
    // Every bookkeeping row (applied revisions, log) attributed to `role`,
    // now: for a database copied from a template, whose rows its builder made.
    std::string attribute_to_sql(const std::string& role) const;
    // Appends to the log; `deploy` marks an event of a deploy.
    std::string log_sql(const std::string& action, const std::optional<std::string>& revision,
                        const std::string& outcome, const std::string& detail, double duration_ms,
                        const std::optional<DeployMark>& deploy = std::nullopt) const;
    const std::string& schema() const { return m_schema; }
    const std::string& quoted_schema() const { return m_quoted; }

private:
    std::string m_schema;
    std::string m_quoted;
};

class Ledger {
public:
    // `schema` holds the tables; nothing is created until ensure_tables().
    Ledger(pg::Connection& connection, std::string schema);

    // Creates the schema and tables when missing (call with the lock held);
    // refuses a layout newer than this ecluse knows.
    void ensure_tables();
    bool exists();
    // The layout version as a scalar SQL expression, for a caller that
    // sends it along with another query (the lock); the statement fails
    // with an error that tables_missing() recognises when the tables are
    // not there yet, and ensure_tables() is then the way.
    std::string version_expression() const;
    static bool tables_missing(const pg::DatabaseError& error);
    // Refuses a layout newer than this ecluse knows, given the value of
    // version_expression(), and brings an older one up to date (call with
    // the lock held); the tables are known to exist from then on.
    void check_version(const std::optional<std::string>& version);

    // Every applied revision, oldest first, without the downgrade SQL
    // (stored_downgrade reads it, for the few that need it). With
    // `links_only`, only revision, branch, down_revision, depends_on and
    // snapshot are read: what position_of and the plans need, at a third of
    // the server's time for thousands of rows.
    std::vector<AppliedRevision> applied(bool links_only = false);
    // The downgrade SQL stored with an applied revision; nullopt when it
    // had no downgrade section or is not applied.
    std::optional<std::string> stored_downgrade(const std::string& revision);
    // The progress rows of interrupted `transaction: none` revisions (none
    // when the table does not exist yet).
    std::vector<StatementProgress> progress();
    // The top applied revision of each branch (nullopt at base): the one no
    // other applied revision was applied on top of. When revisions were
    // applied out of order there are several, and the one furthest along
    // its chain in `graph` is the position.
    static Position position_of(const std::vector<AppliedRevision>& applied,
                                const RevisionGraph& graph);

    const LedgerSql& sql() const { return m_sql; }
    // Appends to the log (outside any migration transaction).
    void log(const std::string& action, const std::optional<std::string>& revision,
             const std::string& outcome, const std::string& detail = {}, double duration_ms = 0,
             const std::optional<DeployMark>& deploy = std::nullopt);

    // The newest `deploy` event (the whole deploy's start or end), if any
    // (none either when the tables do not exist yet).
    std::optional<LoggedEvent> last_deploy_event();

private:
    // create_sql() in one transaction.
    void create_or_upgrade_tables();

    pg::Connection& m_connection;
    LedgerSql m_sql;
    std::string m_quoted;
    // Set once the tables are known to exist (they are never dropped), so
    // that reads need not ask again.
    bool m_tables_exist = false;
};

} // namespace ecluse
