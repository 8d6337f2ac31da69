#include "runtime/ledger.hpp"

#include "ecluse_version.hpp"
#include "script/revision_file.hpp"
#include "script/snapshot_file.hpp"
#include "util/error.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <unordered_set>

namespace ecluse {

using pg::quote_literal;

namespace {

std::string literal_or_null(const std::optional<std::string>& value) {
    return value ? quote_literal(*value) : "NULL";
}

std::string array_literal(const std::vector<std::string>& values) {
    std::vector<std::string> quoted;
    for (const auto& value : values) {
        quoted.push_back(quote_literal(value));
    }
    return "ARRAY[" + join(quoted, ",") + "]::text[]";
}

// A column's text, moved out of its row (the applied rows are read on every
// command, 1,000 rows of 14 columns on a large project: no copies).
std::string take(std::optional<std::string>& value) {
    return value ? std::move(*value) : std::string();
}

bool equals(const std::optional<std::string>& value, std::string_view text) {
    return value && *value == text;
}

std::string number(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", value);
    return buffer;
}

} // namespace

LedgerSql::LedgerSql(std::string schema)
    : m_schema(std::move(schema)), m_quoted(pg::quote_identifier(m_schema)) {}

Ledger::Ledger(pg::Connection& connection, std::string schema)
    : m_connection(connection), m_sql(schema), m_quoted(pg::quote_identifier(schema)) {}

std::string LedgerSql::create_sql() const {
    return "CREATE SCHEMA IF NOT EXISTS " + m_quoted +
           ";\n"
           "CREATE TABLE IF NOT EXISTS " +
           m_quoted +
           ".ledger_version (version integer NOT NULL);\n"
           "INSERT INTO " +
           m_quoted + ".ledger_version (version) SELECT 1" + " WHERE NOT EXISTS (SELECT FROM " +
           m_quoted +
           ".ledger_version);\n"
           "CREATE TABLE IF NOT EXISTS " +
           m_quoted +
           ".applied_revision (\n"
           "    revision text PRIMARY KEY,\n"
           "    branch text NOT NULL CHECK (branch IN ('pre', 'post')),\n"
           "    down_revision text,\n"
           "    depends_on text[] NOT NULL DEFAULT '{}',\n"
           "    checksum text NOT NULL,\n"
           "    message text NOT NULL DEFAULT '',\n"
           "    path text NOT NULL DEFAULT '',\n"
           "    applied_at timestamptz NOT NULL DEFAULT now(),\n"
           "    applied_by text NOT NULL DEFAULT current_user,\n"
           "    duration_ms double precision NOT NULL DEFAULT 0,\n"
           "    ecluse_version text NOT NULL,\n"
           "    downgrade_sql text,\n"
           "    transaction_mode text NOT NULL DEFAULT 'per-migration',\n"
           "    stamped boolean NOT NULL DEFAULT false\n"
           ");\n"
           "CREATE TABLE IF NOT EXISTS " +
           m_quoted +
           ".event_log (\n"
           "    event_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
           "    at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
           "    action text NOT NULL,\n"
           "    revision text,\n"
           "    outcome text NOT NULL,\n"
           "    detail text NOT NULL DEFAULT '',\n"
           "    duration_ms double precision NOT NULL DEFAULT 0,\n"
           "    applied_by text NOT NULL DEFAULT current_user,\n"
           "    ecluse_version text NOT NULL\n"
           ");\n"
           // Layout 2.
           "ALTER TABLE " +
           m_quoted +
           ".applied_revision ADD COLUMN IF NOT EXISTS snapshot text;\n"
           "CREATE TABLE IF NOT EXISTS " +
           m_quoted +
           ".seed (\n"
           "    name text PRIMARY KEY,\n"
           "    checksum text NOT NULL,\n"
           "    path text NOT NULL DEFAULT '',\n"
           "    downgrade_sql text NOT NULL,\n"
           "    applied_at timestamptz NOT NULL DEFAULT now(),\n"
           "    applied_by text NOT NULL DEFAULT current_user,\n"
           "    ecluse_version text NOT NULL\n"
           ");\n"
           // Layout 3: the deploy of an event in columns of its own, read
           // back from the detail ("heads ...; deploy ID; ...") of the
           // events layout 2 wrote.
           "ALTER TABLE " +
           m_quoted +
           ".event_log ADD COLUMN IF NOT EXISTS deploy_id text, "
           "ADD COLUMN IF NOT EXISTS deploy_heads text;\n"
           "UPDATE " +
           m_quoted +
           ".event_log SET deploy_heads = split_part(detail, '; ', 1), "
           "deploy_id = substr(split_part(detail, '; ', 2), 8) "
           "WHERE deploy_id IS NULL AND action LIKE 'deploy%' AND detail LIKE 'heads %; deploy "
           "_%';\n"
           // Layout 4.
           "ALTER TABLE " +
           m_quoted +
           ".applied_revision ADD COLUMN IF NOT EXISTS statements_checksum text;\n"
           "CREATE TABLE IF NOT EXISTS " +
           m_quoted +
           ".statement_progress (\n"
           "    revision text NOT NULL,\n"
           "    action text NOT NULL CHECK (action IN ('upgrade', 'downgrade')),\n"
           "    statements_done integer NOT NULL,\n"
           "    statements_total integer NOT NULL,\n"
           "    done_checksum text NOT NULL,\n"
           "    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
           "    PRIMARY KEY (revision, action)\n"
           ");\n"
           "UPDATE " +
           m_quoted + ".ledger_version SET version = " + std::to_string(k_ledger_version) +
           " WHERE version < " + std::to_string(k_ledger_version) + ";\n";
}

bool Ledger::exists() {
    if (m_tables_exist) {
        return true;
    }
    auto rows =
        m_connection.query("SELECT to_regclass($1) IS NOT NULL", {m_quoted + ".applied_revision"});
    return rows.at(0).at(0) == std::optional<std::string>("t");
}

void Ledger::ensure_tables() {
    std::optional<std::string> version;
    if (exists()) {
        version = m_connection.query("SELECT " + version_expression()).at(0).at(0);
    }
    if (!version || std::stoi(*version) < k_ledger_version) {
        create_or_upgrade_tables();
        version = m_connection.query("SELECT " + version_expression()).at(0).at(0);
    }
    check_version(version);
}

void Ledger::create_or_upgrade_tables() {
    m_connection.execute("BEGIN");
    try {
        m_connection.execute(m_sql.create_sql());
        m_connection.execute("COMMIT");
    } catch (...) {
        m_connection.execute("ROLLBACK");
        throw;
    }
}

std::string Ledger::version_expression() const {
    return "(SELECT max(version) FROM " + m_quoted + ".ledger_version)";
}

bool Ledger::tables_missing(const pg::DatabaseError& error) {
    // undefined_table, invalid_schema_name
    return error.server().sqlstate == "42P01" || error.server().sqlstate == "3F000";
}

void Ledger::check_version(const std::optional<std::string>& value) {
    int version = value ? std::stoi(*value) : 0;
    if (version > k_ledger_version) {
        throw CheckFailed(
            "the bookkeeping tables in schema " + m_sql.schema() + " have layout " +
                std::to_string(version) + ", newer than this ecluse knows (" +
                std::to_string(k_ledger_version) + ")",
            "use the ecluse version that last migrated this database, or a newer one");
    }
    if (version < k_ledger_version) {
        create_or_upgrade_tables(); // an older layout: bring it up to date
    }
    m_tables_exist = true;
}

std::vector<AppliedRevision> Ledger::applied(bool links_only) {
    if (!exists()) {
        return {};
    }
    // Once check_version() ran, the layout is the current one; before (a
    // read-only command), an older layout may lack the snapshot column, and
    // to_jsonb reads it when present, at a cost of its own.
    std::string snapshot = m_tables_exist ? "snapshot" : "to_jsonb(a)->>'snapshot'";
    std::string details =
        links_only ? ""
                   : ", checksum, message, path, to_char(applied_at AT TIME ZONE 'UTC', "
                     "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), applied_by, duration_ms, ecluse_version, "
                     "downgrade_sql IS NOT NULL, stamped, transaction_mode, " +
                         std::string(m_tables_exist ? "statements_checksum"
                                                    : "to_jsonb(a)->>'statements_checksum'");
    auto rows = m_connection.query("SELECT revision, branch, down_revision, "
                                   "array_to_string(depends_on, ','), " +
                                   snapshot + details + " FROM " + m_quoted +
                                   ".applied_revision a ORDER BY applied_at, revision");
    std::vector<AppliedRevision> out;
    out.reserve(rows.size());
    for (auto& row : rows) {
        AppliedRevision applied;
        applied.revision = take(row[0]);
        applied.branch = equals(row[1], "post") ? Branch::post : Branch::pre;
        applied.down_revision = std::move(row[2]);
        if (row[3] && !row[3]->empty()) {
            applied.depends_on = split(*row[3], ',');
        }
        applied.snapshot = std::move(row[4]);
        if (!links_only) {
            applied.checksum = take(row[5]);
            applied.message = take(row[6]);
            applied.path = take(row[7]);
            applied.applied_at = take(row[8]);
            applied.applied_by = take(row[9]);
            applied.duration_ms = row[10] ? std::stod(*row[10]) : 0;
            applied.ecluse_version = take(row[11]);
            applied.has_downgrade = equals(row[12], "t");
            applied.stamped = equals(row[13], "t");
            applied.transaction =
                equals(row[14], "none") ? TransactionMode::none : TransactionMode::per_migration;
            applied.statements_checksum = take(row[15]);
        }
        out.push_back(std::move(applied));
    }
    return out;
}

std::vector<std::string> progress_checksums(const std::vector<std::string>& statements) {
    std::vector<std::string> out = {std::string()};
    out.reserve(statements.size() + 1);
    for (const std::string& statement : statements) {
        out.push_back(sha256_hex(out.back() + '\n' + statement));
    }
    return out;
}

std::string LedgerSql::progress_sql(const std::string& revision, const std::string& action,
                                    int done, int total, const std::string& checksum) const {
    return "INSERT INTO " + m_quoted +
           ".statement_progress (revision, action, statements_done, statements_total, "
           "done_checksum) VALUES (" +
           quote_literal(revision) + ", " + quote_literal(action) + ", " + std::to_string(done) +
           ", " + std::to_string(total) + ", " + quote_literal(checksum) +
           ") ON CONFLICT (revision, action) DO UPDATE SET statements_done = "
           "excluded.statements_done, statements_total = excluded.statements_total, "
           "done_checksum = excluded.done_checksum, updated_at = clock_timestamp()";
}

std::string LedgerSql::clear_progress_sql(const std::string& revision) const {
    return "DELETE FROM " + m_quoted +
           ".statement_progress WHERE revision = " + quote_literal(revision);
}

std::vector<StatementProgress> Ledger::progress() {
    // A read-only command may find an older layout, without the table.
    if (!m_tables_exist &&
        m_connection.query("SELECT to_regclass($1) IS NOT NULL", {m_quoted + ".statement_progress"})
                .at(0)
                .at(0) != std::optional<std::string>("t")) {
        return {};
    }
    std::vector<StatementProgress> out;
    for (auto& row : m_connection.query(
             "SELECT revision, action, statements_done, statements_total, done_checksum, "
             "to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM " +
             m_quoted + ".statement_progress ORDER BY updated_at")) {
        StatementProgress progress;
        progress.revision = take(row[0]);
        progress.action = take(row[1]);
        progress.done = std::stoi(take(row[2]));
        progress.total = std::stoi(take(row[3]));
        progress.checksum = take(row[4]);
        progress.at = take(row[5]);
        out.push_back(std::move(progress));
    }
    return out;
}

std::optional<std::string> Ledger::stored_downgrade(const std::string& revision) {
    auto rows = m_connection.query("SELECT downgrade_sql FROM " + m_quoted +
                                       ".applied_revision WHERE revision = $1",
                                   {revision});
    if (rows.empty()) {
        return std::nullopt;
    }
    return std::move(rows.front().at(0));
}

Position Ledger::position_of(const std::vector<AppliedRevision>& applied,
                             const RevisionGraph& graph) {
    Position position;
    for (Branch branch : k_branches) {
        // A set, not a list: this runs on every command, with thousands of rows.
        std::unordered_set<std::string_view> parents;
        for (const auto& revision : applied) {
            if (revision.branch == branch && revision.down_revision) {
                parents.insert(*revision.down_revision);
            }
        }
        std::vector<const AppliedRevision*> tops;
        for (const auto& revision : applied) {
            if (revision.branch == branch && parents.count(revision.revision) == 0) {
                tops.push_back(&revision);
            }
        }
        if (tops.empty()) {
            continue;
        }
        // Several tops on disk (applied out of order): the furthest along
        // the chain. Otherwise the newest, so that an orphan or a replaced
        // revision stays the position that plans refuse or explain.
        auto on_disk = [&](const AppliedRevision* top) { return graph.find(top->revision); };
        const AppliedRevision* chosen = tops.back();
        if (graph.valid() && std::all_of(tops.begin(), tops.end(), on_disk)) {
            chosen = *std::max_element(tops.begin(), tops.end(), [&](auto* a, auto* b) {
                return graph.position_in_chain(*on_disk(a)) < graph.position_in_chain(*on_disk(b));
            });
        }
        position[branch] = chosen->revision;
    }
    return position;
}

std::string statements_checksum(const std::vector<Statement>& statements) {
    std::string text;
    for (const Statement& statement : statements) {
        text += statement.sql;
        text += "\n;\n";
        text += statement.copy_data.value_or("");
    }
    return sha256_hex(text);
}

std::string LedgerSql::accept_drift_sql(const RevisionFile& revision,
                                        const std::vector<Statement>& statements) const {
    return "UPDATE " + m_quoted +
           ".applied_revision SET checksum = " + quote_literal(upgrade_checksum(revision)) +
           ", statements_checksum = " + quote_literal(statements_checksum(statements)) +
           " WHERE revision = " + quote_literal(revision.revision);
}

std::string LedgerSql::record_sql(const RevisionFile& revision, double duration_ms, bool stamped,
                                  const std::vector<Statement>& statements) const {
    std::optional<std::string> downgrade;
    if (revision.downgrade.present) {
        downgrade = revision.downgrade.text;
    }
    return "INSERT INTO " + m_quoted +
           ".applied_revision (revision, branch, down_revision, depends_on, checksum, message, "
           "path, "
           "duration_ms, ecluse_version, downgrade_sql, transaction_mode, stamped, "
           "statements_checksum) VALUES (" +
           quote_literal(revision.revision) + ", " +
           quote_literal(std::string(branch_name(revision.branch))) + ", " +
           literal_or_null(revision.down_revision) + ", " + array_literal(revision.depends_on) +
           ", " + quote_literal(upgrade_checksum(revision)) + ", " +
           quote_literal(revision.message) + ", " + quote_literal(revision.path) + ", " +
           number(duration_ms) + ", " + quote_literal(ECLUSE_VERSION) + ", " +
           literal_or_null(downgrade) + ", " +
           quote_literal(std::string(transaction_mode_name(revision.transaction))) + ", " +
           (stamped ? "true" : "false") + ", " +
           (stamped ? std::string("NULL") : quote_literal(statements_checksum(statements))) + ")";
}

std::string LedgerSql::record_replaced_sql(const std::vector<ReplacedRevision>& revisions,
                                           const std::string& snapshot) const {
    // One statement for them all: the server parses and plans it once.
    std::string rows;
    for (const ReplacedRevision& revision : revisions) {
        rows += std::string(rows.empty() ? "" : ",\n") + "(" + quote_literal(revision.revision) +
                ", " + quote_literal(std::string(branch_name(revision.branch))) + ", " +
                literal_or_null(revision.down_revision) + ", " +
                array_literal(revision.depends_on) + ", " + quote_literal(revision.checksum) +
                ", " + quote_literal(revision.message) + ")";
    }
    if (rows.empty()) {
        return {};
    }
    return "INSERT INTO " + m_quoted +
           ".applied_revision (revision, branch, down_revision, depends_on, checksum, message, "
           "ecluse_version, snapshot) SELECT r.*, " +
           quote_literal(ECLUSE_VERSION) + ", " + quote_literal(snapshot) + " FROM (VALUES\n" +
           rows + ") AS r (revision, branch, down_revision, depends_on, checksum, message)";
}

std::string LedgerSql::forget_sql(const std::string& revision) const {
    return "DELETE FROM " + m_quoted +
           ".applied_revision WHERE revision = " + quote_literal(revision);
}

std::string LedgerSql::attribute_to_sql(const std::string& role) const {
    return "UPDATE " + m_quoted +
           ".applied_revision SET applied_at = now(), applied_by = " + quote_literal(role) +
           ";\nUPDATE " + m_quoted +
           ".event_log SET at = now(), applied_by = " + quote_literal(role);
}

std::string LedgerSql::log_sql(const std::string& action,
                               const std::optional<std::string>& revision,
                               const std::string& outcome, const std::string& detail,
                               double duration_ms, const std::optional<DeployMark>& deploy) const {
    std::string sql = "INSERT INTO " + m_quoted +
                      ".event_log (action, revision, outcome, detail, duration_ms, ecluse_version" +
                      (deploy ? ", deploy_id, deploy_heads" : "") + ") VALUES (" +
                      quote_literal(action) + ", " + literal_or_null(revision) + ", " +
                      quote_literal(outcome) + ", " + quote_literal(detail) + ", " +
                      number(duration_ms) + ", " + quote_literal(ECLUSE_VERSION);
    if (deploy) {
        sql += ", " + quote_literal(deploy->id) + ", " + quote_literal(deploy->heads);
    }
    return sql + ")";
}

void Ledger::log(const std::string& action, const std::optional<std::string>& revision,
                 const std::string& outcome, const std::string& detail, double duration_ms,
                 const std::optional<DeployMark>& deploy) {
    m_connection.execute(m_sql.log_sql(action, revision, outcome, detail, duration_ms, deploy));
}

std::optional<LoggedEvent> Ledger::last_deploy_event() {
    if (!exists()) {
        return std::nullopt;
    }
    // Before check_version() (a command that takes no lock), an older
    // layout may lack the deploy columns: read them through to_jsonb.
    std::string columns = m_tables_exist
                              ? "deploy_id, deploy_heads"
                              : "to_jsonb(e)->>'deploy_id', to_jsonb(e)->>'deploy_heads'";
    auto rows = m_connection.query(
        "SELECT to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), action, "
        "revision, outcome, detail, " +
        columns + " FROM " + m_quoted +
        ".event_log e WHERE action = 'deploy' ORDER BY event_id DESC LIMIT 1");
    if (rows.empty()) {
        return std::nullopt;
    }
    auto& row = rows.front();
    LoggedEvent event{row[0].value_or(""), row[1].value_or(""), row[2],
                      row[3].value_or(""), row[4].value_or(""), std::nullopt};
    if (row[5] && row[6]) {
        event.deploy = DeployMark{*row[5], *row[6]};
    }
    return event;
}

} // namespace ecluse
