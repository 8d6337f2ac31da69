#include "runtime/migrate.hpp"

#include "runtime/database_state.hpp"
#include "runtime/sql_script.hpp"
#include "script/project.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <map>

namespace ecluse {

namespace {

using Dependencies = std::map<std::string, std::vector<std::string>>;

Dependencies applied_dependencies(const std::vector<AppliedRevision>& applied) {
    Dependencies out;
    for (const auto& revision : applied) {
        out[revision.revision] = revision.depends_on;
    }
    return out;
}

// stamp records only what it is asked to: a revision that depends on one
// that is neither applied nor stamped is refused (upgrade would apply the
// dependency first; stamping it unasked would record SQL that never ran).
void require_dependencies_stamped(const std::vector<Step>& steps) {
    std::vector<std::string> missing;
    for (const Step& step : steps) {
        if (!step.reason.empty()) {
            missing.push_back(step.revision->revision + " (" +
                              std::string(branch_name(step.revision->branch)) + ", " + step.reason +
                              ")");
        }
    }
    if (!missing.empty()) {
        throw CheckFailed("cannot stamp: the target depends on revisions that are not applied: " +
                              join(missing, "; ") + "; nothing was changed",
                          "stamp or upgrade those first (for example `ecluse stamp " +
                              missing.front().substr(0, missing.front().find(' ')) +
                              "`), or include them in the target");
    }
}

// stamp only moves records, so its way out of an orphan position is a
// record too: never a downgrade, which would run the orphan's SQL.
void require_no_orphan_position(const RevisionGraph& graph, const Position& position) {
    for (Branch branch : k_branches) {
        const auto& at = position[branch];
        if (at && graph.find(*at) == nullptr && graph.replaced(*at) == nullptr) {
            throw UsageError("cannot stamp: the database's " + std::string(branch_name(branch)) +
                                 " position is " + *at +
                                 ", an orphan (applied, its revision file is missing)",
                             "`ecluse stamp --forget-orphan " + *at +
                                 "` forgets its record (it runs nothing), then stamp again");
        }
    }
}

// Drift is never skipped in silence: `upgrade` goes on (the revision is
// not run again) but says which applied revisions changed since.
void warn_of_drift(const RevisionGraph& graph, const Project& project,
                   const std::vector<AppliedRevision>& applied) {
    for (const AppliedRevision& revision : applied) {
        const RevisionFile* file = graph.find(revision.revision);
        if (file != nullptr && has_drifted(revision, project.sql(*file))) {
            log::warn("revision " + revision.revision + " (" + file->path +
                      ") changed after it was applied on " + revision.applied_at +
                      " (drift); upgrade does not run it again. Restore the applied SQL and put "
                      "the change in a new revision, or, once reviewed, `ecluse stamp "
                      "--accept-drift " +
                      revision.revision + "`");
        }
    }
}

// Undoes, newest first, what is applied but neither on disk nor replaced
// by a snapshot; returns how many.
std::size_t undo_orphans(Migrator& migrator, const RevisionGraph& graph,
                         const std::vector<AppliedRevision>& applied,
                         const MigrateEvents& on_event) {
    std::vector<const AppliedRevision*> found;
    for (const auto& revision : applied) {
        if (graph.find(revision.revision) == nullptr &&
            graph.replaced(revision.revision) == nullptr) {
            found.push_back(&revision);
        }
    }
    for (auto it = found.rbegin(); it != found.rend(); ++it) {
        MigrateEvent event{MigrateEvent::Kind::step_done};
        event.outcome = migrator.undo_orphan(**it);
        RevisionFile shown;
        shown.revision = (*it)->revision;
        shown.branch = (*it)->branch;
        shown.message = (*it)->message + " [orphan]";
        Step step{&shown, Direction::downgrade, {}};
        event.step = &step;
        on_event(event);
    }
    return found.size();
}

} // namespace

AppliedRevision forget_orphan(pg::Connection& connection, Ledger& ledger,
                              const RevisionGraph& graph, const std::string& revision,
                              const MigratorOptions& options) {
    for (const AppliedRevision& applied : ledger.applied()) {
        if (applied.revision != revision) {
            continue;
        }
        if (graph.find(revision) != nullptr || graph.replaced(revision) != nullptr) {
            throw UsageError(revision + " is not an orphan: its revision is in the project",
                             "`ecluse stamp TARGET` forgets revisions that have their file");
        }
        Migrator(connection, ledger, options).forget_orphan(applied);
        return applied;
    }
    throw UsageError(revision + " is not applied to the database",
                     "`ecluse status` lists the orphans with their full ids");
}

AppliedRevision accept_drift(pg::Connection& connection, Ledger& ledger, const RevisionGraph& graph,
                             const Project& project, const std::string& revision) {
    auto matches = graph.find_prefix(revision);
    if (matches.size() != 1) {
        throw UsageError(matches.empty() ? "no revision file matches " + revision
                                         : revision + " matches several revisions",
                         "`ecluse status` lists the drifted revisions with their ids");
    }
    const RevisionFile& full = project.sql(*matches.front());
    for (AppliedRevision& applied : ledger.applied()) {
        if (applied.revision != full.revision) {
            continue;
        }
        if (!has_drifted(applied, full)) {
            throw UsageError(full.revision + " has not drifted: its file matches what was applied",
                             "`ecluse status` lists the drifted revisions");
        }
        std::string now = upgrade_checksum(full);
        connection.execute("BEGIN");
        try {
            connection.execute(
                ledger.sql().accept_drift_sql(full, split_section(full, full.upgrade)) + ";\n" +
                ledger.sql().log_sql("accept drift", full.revision, "accepted",
                                     "stamp --accept-drift: checksum " + applied.checksum + " -> " +
                                         now + "; nothing was run",
                                     0));
            connection.execute("COMMIT");
        } catch (...) {
            try {
                connection.execute("ROLLBACK");
            } catch (...) {
            }
            throw;
        }
        return applied;
    }
    throw UsageError(full.revision + " is not applied to the database, so it cannot drift",
                     "`ecluse upgrade` applies it as it is now");
}

bool is_range(const std::string& target) {
    return target.find(':') != std::string::npos;
}

void migrate(pg::Connection& connection, Ledger& ledger, const RevisionGraph& graph,
             const Project& project, const MigrateOptions& options, const MigrateEvents& on_event) {
    Migrator migrator(connection, ledger, options.migrator);
    // Orphans are undone from what the ledger recorded of them; otherwise
    // the links between applied revisions are all that is needed.
    // An upgrade warns of drift among what it skips, so it reads the checksums too.
    auto applied = ledger.applied(!options.orphans && options.mode != MigrateMode::upgrade);
    if (options.mode == MigrateMode::upgrade) {
        warn_of_drift(graph, project, applied);
    }
    MigrateEvent started{MigrateEvent::Kind::started};
    started.position = Ledger::position_of(applied, graph);
    on_event(started);
    std::size_t done = 0;
    if (options.orphans) {
        done += undo_orphans(migrator, graph, applied, on_event);
        applied = ledger.applied(true);
    }
    Position position = Ledger::position_of(applied, graph);
    if (options.mode == MigrateMode::stamp) {
        require_no_orphan_position(graph, position);
    }
    if (options.target) {
        std::vector<BranchTarget> targets =
            resolve(parse_specifier(*options.target), graph, position);
        std::vector<Step> steps;
        if (options.mode == MigrateMode::upgrade) {
            // The snapshot applied is one of these: they outlive the event.
            std::vector<SnapshotFile> snapshots;
            if (applied.empty()) {
                snapshots = load_snapshot_files(project.root());
            }
            UpgradeStart start = start_upgrade(connection, ledger, graph, project, snapshots,
                                               targets, options.out_of_order);
            if (start.snapshot.snapshot != nullptr) {
                MigrateEvent event{MigrateEvent::Kind::snapshot_applied};
                event.snapshot = &start.snapshot;
                on_event(event);
                done += start.snapshot.snapshot->replaces.size();
            }
            position = start.position;
            steps = std::move(start.steps);
        }
        if (options.mode == MigrateMode::stamp) {
            // Stamping moves the record both ways: up where the target is
            // above the position, down where it is below.
            auto up = plan_upgrade(graph, position, targets);
            require_dependencies_stamped(up);
            steps = plan_downgrade(graph, position, targets, applied_dependencies(applied));
            steps.insert(steps.end(), up.begin(), up.end());
            for (const Step& step : steps) {
                migrator.stamp(with_sql(project, step));
                MigrateEvent event{MigrateEvent::Kind::step_done};
                event.step = &step;
                on_event(event);
            }
        } else {
            bool down = options.mode == MigrateMode::downgrade;
            if (down) {
                steps = plan_downgrade(graph, position, targets, applied_dependencies(applied));
            } else {
                require_upgrade_targets(graph, position, targets, *options.target);
            }
            for (const PreparedStep& step : prepare_steps(project, steps)) {
                MigrateEvent starting{MigrateEvent::Kind::step_started};
                starting.step = &step.step;
                on_event(starting);
                StepCallbacks callbacks;
                callbacks.on_retry = [&](int attempt, const std::string& why) {
                    MigrateEvent retry{MigrateEvent::Kind::retry};
                    retry.step = &step.step;
                    retry.attempt = attempt;
                    retry.why = why;
                    on_event(retry);
                };
                callbacks.on_activity = [&](const StatementActivity& activity) {
                    MigrateEvent running{MigrateEvent::Kind::statement_activity};
                    running.step = &step.step;
                    running.activity = &activity;
                    on_event(running);
                };
                MigrateEvent event{MigrateEvent::Kind::step_done};
                event.step = &step.step;
                event.outcome = migrator.run(step, callbacks);
                on_event(event);
            }
        }
        done += steps.size();
    }
    MigrateEvent finished{MigrateEvent::Kind::finished};
    finished.position = done != 0 ? Ledger::position_of(ledger.applied(true), graph) : position;
    finished.done = done;
    on_event(finished);
}

std::string migration_script(const RevisionGraph& graph, const Project& project,
                             const MigrateOptions& options, const std::string& schema,
                             const std::string& title,
                             const std::optional<std::vector<AppliedRevision>>& applied) {
    Position position;
    Dependencies dependencies;
    std::string to = options.target.value_or("");
    if (auto colon = to.find(':'); colon != std::string::npos) {
        std::string from = to.substr(0, colon);
        to = to.substr(colon + 1);
        if (to.empty()) { // either side may be left out: `a1b2:` goes to the heads
            to = options.mode == MigrateMode::downgrade ? "base" : "heads";
        }
        if (!from.empty()) {
            for (const BranchTarget& start : resolve(parse_specifier(from), graph)) {
                position[start.branch] = start.revision;
            }
        }
        for (Branch branch : k_branches) {
            if (position[branch]) {
                for (const RevisionFile* revision : graph.chain(branch)) {
                    dependencies[revision->revision] = revision->depends_on;
                    if (revision->revision == position[branch]) {
                        break;
                    }
                }
            }
        }
    } else if (applied) {
        position = Ledger::position_of(*applied, graph);
        dependencies = applied_dependencies(*applied);
    }
    auto targets = resolve(parse_specifier(to), graph, position);
    bool down = options.mode == MigrateMode::downgrade;
    std::vector<OutOfOrder> holes;
    if (!down) {
        require_upgrade_targets(graph, position, targets, to);
        if (applied && !is_range(options.target.value_or(""))) {
            holes = out_of_order(graph, *applied);
            std::vector<Branch> branches;
            for (const BranchTarget& target : targets) {
                branches.push_back(target.branch);
            }
            if (!options.out_of_order) {
                throw_if_any("revisions are out of order: nothing was written",
                             out_of_order_problems(graph, holes, branches, "upgrade --sql"));
                holes.clear();
            }
        }
    }
    auto steps = down ? plan_downgrade(graph, position, targets, dependencies)
                      : plan_upgrade(graph, position, targets, holes);
    return render_sql_script(prepare_steps(project, steps), LedgerSql(schema), options.migrator,
                             title + " (" + std::to_string(steps.size()) + " revision" +
                                 (steps.size() == 1 ? "" : "s") + ")");
}

} // namespace ecluse
