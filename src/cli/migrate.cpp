// upgrade, downgrade and stamp: options in, runtime/migrate runs, its events printed.

#include "runtime/migrate.hpp"

#include "cli/command.hpp"
#include "cli/database.hpp"
#include "graph/plan.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace ecluse::cli {

namespace {

std::string describe_position(const RevisionGraph& graph, const Position& position) {
    std::string out;
    for (Branch branch : k_branches) {
        if (!out.empty()) {
            out += ", ";
        }
        out += std::string(branch_name(branch)) + " at " + position[branch].value_or("base");
        if (position[branch] && position[branch] == graph.head(branch)) {
            out += " (head)";
        }
    }
    return out;
}

struct Report {
    const Settings& settings;
    bool stamping = false;
    nlohmann::json steps = nlohmann::json::array();

    void step(const Step& step, const StepOutcome& outcome) {
        const RevisionFile& revision = *step.revision;
        if (settings.format == OutputFormat::json) {
            steps.push_back(
                {{"revision", revision.revision},
                 {"branch", branch_name(revision.branch)},
                 {"direction", step.direction == Direction::upgrade ? "upgrade" : "downgrade"},
                 {"message", revision.message},
                 {"duration_ms", outcome.duration_ms},
                 {"attempts", outcome.attempts},
                 {"reason", text_or_null(step.reason)},
                 {"resumed_at_statement", positive_or_null(outcome.resumed_at)}});
            return;
        }
        if (settings.verbosity < 0) {
            return;
        }
        char duration[32];
        std::snprintf(duration, sizeof duration, "%.0f ms", outcome.duration_ms);
        const char* verb = stamping
                               ? (step.direction == Direction::upgrade ? "stamped " : "unstamped ")
                               : (step.direction == Direction::upgrade ? "applied " : "undid   ");
        std::cout << "  " << verb << branch_name(revision.branch)
                  << (revision.branch == Branch::pre ? "  " : " ") << revision.revision << "  "
                  << revision.message << "  (" << duration
                  << (step_note(step, outcome).empty() ? "" : ", " + step_note(step, outcome))
                  << ")\n";
    }

    void finish(const RevisionGraph& graph, const Position& position, std::size_t done) const {
        if (settings.format == OutputFormat::json) {
            print_json(
                {{"steps", steps},
                 {"position",
                  {{"pre", json_or_null(position.pre)}, {"post", json_or_null(position.post)}}}});
        } else if (settings.verbosity >= 0) {
            std::cout << (done == 0 ? "nothing to do: "
                                    : std::to_string(done) + " revision" + (done == 1 ? "" : "s") +
                                          (stamping ? " stamped; " : "; "))
                      << describe_position(graph, position) << '\n';
        }
    }
};

void report_snapshot(const Settings& settings, const SnapshotOutcome& outcome,
                     nlohmann::json& steps) {
    const SnapshotFile& snapshot = *outcome.snapshot;
    if (settings.format == OutputFormat::json) {
        steps.push_back({{"snapshot", snapshot.name},
                         {"replaces", snapshot.replaces.size()},
                         {"duration_ms", outcome.duration_ms}});
    } else if (settings.verbosity >= 0) {
        std::printf("  applied snapshot %s  (replaces %zu revisions, %.0f ms)\n",
                    snapshot.name.c_str(), snapshot.replaces.size(), outcome.duration_ms);
        std::fflush(stdout);
    }
}

// `--sql`: the plan as a psql script. From a range FROM:TO no database is
// needed; otherwise the plan starts at the database's position.
int print_script(const Invocation& invocation, const LoadedProject& loaded,
                 const MigrateOptions& run) {
    const Settings& settings = invocation.settings;
    std::optional<std::vector<AppliedRevision>> applied;
    if (!is_range(*run.target)) {
        DatabaseSession session = open_database(settings, false);
        applied = session.ledger->applied(true);
    }
    std::cout << migration_script(loaded.graph, loaded.project, run, settings.schema,
                                  "ecluse " + invocation.command + " " + *run.target, applied);
    return 0;
}

// `stamp --forget-orphan REV`.
int forget(const Invocation& invocation, const std::string& revision) {
    const Settings& settings = invocation.settings;
    RevisionGraph graph = load_project(settings).graph;
    DatabaseSession session = connect_database(settings);
    take_migration_lock(settings, session);
    AppliedRevision forgotten = forget_orphan(*session.connection, *session.ledger, graph, revision,
                                              migrator_options(settings));
    if (settings.format == OutputFormat::json) {
        print_json({{"forgotten", forgotten.revision},
                    {"branch", branch_name(forgotten.branch)},
                    {"message", forgotten.message}});
    } else if (settings.verbosity >= 0) {
        std::cout << "forgot orphan " << forgotten.revision << " (" << branch_name(forgotten.branch)
                  << ", " << forgotten.message
                  << "): its record is gone and nothing was run; what it changed stays in the "
                     "database\n";
    }
    return 0;
}

// `stamp --accept-drift REV`.
int accept(const Invocation& invocation, const std::string& revision) {
    const Settings& settings = invocation.settings;
    LoadedProject loaded = load_project(settings);
    loaded.graph.require_valid();
    DatabaseSession session = connect_database(settings);
    take_migration_lock(settings, session);
    AppliedRevision accepted =
        accept_drift(*session.connection, *session.ledger, loaded.graph, loaded.project, revision);
    if (settings.format == OutputFormat::json) {
        print_json({{"accepted_drift", accepted.revision},
                    {"branch", branch_name(accepted.branch)},
                    {"message", accepted.message}});
    } else if (settings.verbosity >= 0) {
        std::cout << "accepted the drift of " << accepted.revision << " ("
                  << branch_name(accepted.branch) << ", " << accepted.message
                  << "): its file as it is now is recorded as applied; nothing was run\n";
    }
    return 0;
}

// upgrade, downgrade and stamp share their TARGET and differ in a few options.
CommandOptions migrate_options(const std::string& command, MigrateMode mode) {
    CommandOptions options(command);
    options.add({"target", "TARGET", "where to go: heads, pre@head, post@base, a1b2, pre@-1, ..."});
    if (mode != MigrateMode::stamp) {
        options.options.add_options()("sql",
                                      "print the SQL script instead of running it (TARGET may be a "
                                      "range FROM:TO, either side optional, which needs no "
                                      "database: the script from FROM to TO)");
    }
    if (mode == MigrateMode::upgrade) {
        options.options.add_options()(
            "out-of-order", "also apply revisions that a merge left below applied ones, after "
                            "them, instead of refusing (default: out_of_order in ecluse.toml's "
                            "[migrate] table)");
    }
    if (mode == MigrateMode::stamp) {
        options.options.add_options()(
            "forget-orphan", po::value<std::string>()->value_name("REV"),
            "forget the record of REV, an orphan (applied, its file missing) "
            "that `downgrade --orphans` cannot undo; runs nothing, logged")(
            "accept-drift", po::value<std::string>()->value_name("REV"),
            "record REV, applied and changed since (drift), as its file is now, once the change "
            "is reviewed; runs nothing, logged");
    }
    if (mode == MigrateMode::downgrade) {
        options.options.add_options()(
            "orphans", "undo revisions applied from another line of work and "
                       "missing from disk, newest first, from their stored downgrade SQL");
    }
    return options;
}

int migrate(const Invocation& invocation, MigrateMode mode) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    const Settings& settings = invocation.settings;
    MigrateOptions run;
    run.mode = mode;
    run.orphans = values->count("orphans") != 0;
    run.out_of_order = values->count("out-of-order") != 0 || settings.migrate.out_of_order;
    run.migrator = migrator_options(settings);
    if (values->count("target") != 0) {
        run.target = (*values)["target"].as<std::string>();
    }
    if (values->count("forget-orphan") != 0) {
        if (run.target) {
            throw UsageError("stamp --forget-orphan takes no TARGET",
                             "forget the orphan first, then `ecluse stamp TARGET`");
        }
        return forget(invocation, (*values)["forget-orphan"].as<std::string>());
    }
    if (values->count("accept-drift") != 0) {
        if (run.target) {
            throw UsageError("stamp --accept-drift takes no TARGET",
                             "accept the drift first, then `ecluse stamp TARGET`");
        }
        return accept(invocation, (*values)["accept-drift"].as<std::string>());
    }
    if (!run.target && !run.orphans) {
        throw UsageError("ecluse " + invocation.command + " needs a TARGET",
                         "for example `ecluse " + invocation.command + " " +
                             (mode == MigrateMode::downgrade ? "pre@-1" : "heads") + "`");
    }
    // Only the files of the revisions that run are read in full.
    LoadedProject loaded = load_project(settings);
    const RevisionGraph& graph = loaded.graph;
    graph.require_valid();
    if (values->count("sql") != 0) {
        if (run.orphans || !run.target) {
            throw UsageError("--sql needs a TARGET (and does not combine with --orphans)");
        }
        return print_script(invocation, loaded, run);
    }
    if (run.target && is_range(*run.target)) {
        throw UsageError("a range FROM:TO is for `--sql` and `history`; `ecluse " +
                             invocation.command +
                             "` goes to one TARGET from the database's "
                             "position",
                         "name the target alone (`ecluse " + invocation.command + " " +
                             run.target->substr(run.target->find(':') + 1) +
                             "`), or add --sql for the script from FROM to TO");
    }
    if (run.target) {
        parse_specifier(*run.target); // a bad target is reported before the lock is taken
    }

    DatabaseSession session = connect_database(settings);
    take_migration_lock(settings, session);
    Report report{settings, mode == MigrateMode::stamp};
    bool text = settings.format == OutputFormat::text && settings.verbosity >= 0;
    migrate(*session.connection, *session.ledger, graph, loaded.project, run,
            [&](const MigrateEvent& event) {
                switch (event.kind) {
                case MigrateEvent::Kind::started:
                    if (text) {
                        std::cout << invocation.command << " on "
                                  << session.connection->description() << ": "
                                  << describe_position(graph, event.position) << '\n';
                    }
                    break;
                case MigrateEvent::Kind::snapshot_applied:
                    report_snapshot(settings, *event.snapshot, report.steps);
                    break;
                case MigrateEvent::Kind::step_started:
                    if (text) {
                        const RevisionFile& revision = *event.step->revision;
                        std::cout << "  "
                                  << (event.step->direction == Direction::upgrade ? "applying "
                                                                                  : "undoing  ")
                                  << branch_name(revision.branch)
                                  << (revision.branch == Branch::pre ? "  " : " ")
                                  << revision.revision << "  " << revision.message << " ...\n";
                    }
                    break;
                case MigrateEvent::Kind::statement_activity:
                    if (text) {
                        std::cout << "    " << event.step->revision->revision << ": "
                                  << activity_text(*event.activity) << '\n';
                    }
                    break;
                case MigrateEvent::Kind::retry:
                    if (text) {
                        std::cerr << "  " << event.step->revision->revision << ": " << event.why
                                  << "; retrying (attempt " << event.attempt + 1 << ")\n";
                    }
                    break;
                case MigrateEvent::Kind::step_done:
                    report.step(*event.step, event.outcome);
                    break;
                case MigrateEvent::Kind::finished:
                    report.finish(graph, event.position, event.done);
                    break;
                }
                // Each line as it happens: a CI log or a cancelled job keeps
                // what was applied, though stdout is a pipe.
                std::cout.flush();
            });
    return 0;
}

} // namespace

CommandOptions upgrade_options() {
    return migrate_options("upgrade", MigrateMode::upgrade);
}

CommandOptions downgrade_options() {
    return migrate_options("downgrade", MigrateMode::downgrade);
}

CommandOptions stamp_options() {
    return migrate_options("stamp", MigrateMode::stamp);
}

int run_upgrade(const Invocation& invocation) {
    return migrate(invocation, MigrateMode::upgrade);
}

int run_downgrade(const Invocation& invocation) {
    return migrate(invocation, MigrateMode::downgrade);
}

int run_stamp(const Invocation& invocation) {
    return migrate(invocation, MigrateMode::stamp);
}

} // namespace ecluse::cli
