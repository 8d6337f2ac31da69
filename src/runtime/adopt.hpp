#pragma once

// `ecluse adopt`: moving a database from another migration tool (Alembic,
// Sequelize, TypeORM, Flyway) to ecluse. On the reference database (the
// first one adopted, production usually) it reads the old tool's position
// and dumps the schema into a baseline revision, which records both at the
// top of its upgrade section. On every other database it compares that
// database's position and schema with the recorded ones, and only when both
// are the same may the baseline be stamped there. The old tool's table is
// never changed.

#include "graph/revision_graph.hpp"
#include "pg/connection.hpp"
#include "script/adoption.hpp"
#include "script/project.hpp"
#include "script/revision_file.hpp"
#include "script/snapshot_file.hpp"
#include "util/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

// The command that applies an old tool's pending migrations, for hints.
std::string_view old_tool_upgrade_command(OldTool tool);

// An old tool's bookkeeping table in a database, and the position it
// records: Alembic's heads; the names of Sequelize's and TypeORM's applied
// migrations; Flyway's versioned migrations ("V<version> <script>
// <checksum>") and the newest checksum of each repeatable one ("R <script>
// <checksum>").
struct OldToolState {
    OldTool tool = OldTool::alembic;
    std::string schema;
    std::string table;
    std::vector<std::string> position;

    std::string qualified_name() const; // schema.table, quoted where needed
};

struct AdoptOptions {
    std::optional<OldTool> from;      // nullopt: whichever tool's table is there
    std::optional<std::string> table; // the old tool's table, [schema.]name, when not its default
    bool no_owner = false;            // pg_dump --no-owner
    bool no_privileges = false;       // pg_dump --no-privileges
    std::string ledger_schema;        // ecluse's own, left out of the dump
};

// The old tool's state in the database: the one table of `options.from`
// (or of any tool, for auto) found. Throws CheckFailed when there is none,
// when several match (naming them, with what to pass), or when Flyway
// records a failed migration.
OldToolState read_old_tool(pg::Connection& connection, const AdoptOptions& options);

// pg_dump's arguments for the baseline's schema: schema only, the old
// tool's table and ecluse's schema left out.
std::vector<std::string> baseline_dump_arguments(const Adoption& adoption,
                                                 const std::string& ledger_schema);

// A `pg_dump --schema-only` made into a revision's SQL: its comments and
// \restrict lines dropped, and its session settings made local to the
// revision's transaction (`SET LOCAL`, set_config(..., true)); the
// timeouts, which ecluse sets itself, dropped. One statement a paragraph.
std::string baseline_sql(const std::string& dump);

// The baseline revision for the database at `url`, whose old tool's state
// is `state`: the first pre revision, id `revision_id`, created `now`.
struct Baseline {
    RevisionFile revision; // path and branch set; render_revision_file writes it
    Adoption adoption;
    std::size_t statements = 0;
};
Baseline take_baseline(const std::string& url, const OldToolState& state,
                       const AdoptOptions& options, const std::string& revision_id, SystemTime now);

// The baseline of a project that has revisions already, all of them
// applied on the reference database at `url`: a snapshot at both heads of
// `graph`, replacing them all (and what `older` snapshots replaced), its
// adoption block at the top of its SQL. Empty databases start from it.
SnapshotFile take_adoption_snapshot(const std::string& url, const OldToolState& state,
                                    const AdoptOptions& options, const RevisionGraph& graph,
                                    const Project& project, const std::vector<SnapshotFile>& older,
                                    SystemTime now);

// How another database's old-tool position stands against the recorded one.
struct PositionDifference {
    std::vector<std::string> missing; // recorded, not in this database: it is behind
    std::vector<std::string> extra;   // in this database only: it is ahead, or elsewhere
    bool same() const { return missing.empty() && extra.empty(); }
};
PositionDifference compare_positions(const std::vector<std::string>& recorded,
                                     const std::vector<std::string>& actual);

// The statements that are in one schema and not the other, each in order.
struct SchemaDifference {
    std::vector<std::string> only_in_baseline;
    std::vector<std::string> only_in_database;
    bool same() const { return only_in_baseline.empty() && only_in_database.empty(); }
};
SchemaDifference compare_schemas(std::string_view baseline, std::string_view database);

// Throws CheckFailed unless the database at `url` (through `connection`)
// stands where the baseline at `baseline_path`, whose SQL is
// `baseline_sql`, was taken: the old tool's position, then the schema. The message names
// what is missing or different and what to do.
void check_adoptable(pg::Connection& connection, const std::string& url,
                     const std::string& baseline_path, std::string_view baseline_sql,
                     const Adoption& recorded, const std::string& ledger_schema);

} // namespace ecluse
