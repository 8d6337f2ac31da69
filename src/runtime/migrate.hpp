#pragma once

// upgrade, downgrade and stamp as operations: from the database's position
// (or a range's start, for a script) to a target, with events as they go.
// The commands parse options, call one of these and render the events.

#include "graph/plan.hpp"
#include "graph/revision_graph.hpp"
#include "runtime/fresh.hpp"
#include "runtime/ledger.hpp"
#include "runtime/migrator.hpp"

#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace ecluse {

enum class MigrateMode { upgrade, downgrade, stamp };

struct MigrateOptions {
    MigrateMode mode = MigrateMode::upgrade;
    std::optional<std::string> target; // "heads", "pre@-1", ...; nullopt: only the orphans
    bool orphans = false;              // downgrade: first undo what is applied but not on disk
    bool out_of_order = false;         // upgrade: apply revisions out of order, not refuse
    MigratorOptions migrator;
};

// What a migration run reports, in order: started, then a snapshot_applied,
// and per revision step_started, any retry or statement_activity, and
// step_done; then finished.
struct MigrateEvent {
    enum class Kind {
        started,            // position: where the database stands
        snapshot_applied,   // snapshot: an empty database started from it
        step_started,       // step: about to run (not for stamp)
        retry,              // step, attempt, why: a lock_timeout retry
        statement_activity, // step, activity: a long statement's state, from another thread
        step_done,          // step, outcome: applied, undone, stamped or unstamped
        finished,           // position, done: revisions applied, undone or stamped
    };
    explicit MigrateEvent(Kind what) : kind(what) {}

    Kind kind;
    Position position;
    const Step* step = nullptr;
    StepOutcome outcome;
    const SnapshotOutcome* snapshot = nullptr;
    const StatementActivity* activity = nullptr;
    int attempt = 0;
    std::string why;
    std::size_t done = 0;
};

using MigrateEvents = std::function<void(const MigrateEvent&)>;

// Runs `options.mode` to `options.target` on the database of `ledger`
// (connection and lock held by the caller): `graph` is the project's, whose
// snapshots and revision SQL are read from `project` as needed. An upgrade
// of an empty database starts from the newest usable snapshot.
void migrate(pg::Connection& connection, Ledger& ledger, const RevisionGraph& graph,
             const Project& project, const MigrateOptions& options, const MigrateEvents& on_event);

// The psql script of upgrade or downgrade to `options.target`, nothing run:
// from `position` (the database's, given with the dependencies its ledger
// records), or from the start of a range FROM:TO given as the target, which
// needs no database (`position` is then ignored).
std::string migration_script(const RevisionGraph& graph, const Project& project,
                             const MigrateOptions& options, const std::string& schema,
                             const std::string& title,
                             const std::optional<std::vector<AppliedRevision>>& applied);

// `stamp --forget-orphan REV`: forgets the record of REV, an orphan
// (applied, its file neither on disk nor replaced by a snapshot), running
// nothing, and logs it. Throws UsageError when REV is not one. Returns the
// forgotten record.
AppliedRevision forget_orphan(pg::Connection& connection, Ledger& ledger,
                              const RevisionGraph& graph, const std::string& revision,
                              const MigratorOptions& options);

// `stamp --accept-drift REV`: records the checksums of REV (an id or a
// unique prefix), applied and drifted, as its file is now, running nothing,
// and logs it ("accept drift", with both checksums). Throws UsageError when
// REV is not applied or has not drifted. Returns the record as it was.
AppliedRevision accept_drift(pg::Connection& connection, Ledger& ledger, const RevisionGraph& graph,
                             const Project& project, const std::string& revision);

// Whether `target` is a range FROM:TO, which --sql alone takes.
bool is_range(const std::string& target);

} // namespace ecluse
