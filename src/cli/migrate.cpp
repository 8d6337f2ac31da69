// upgrade, downgrade and stamp: plan from the database's position, then run.

#include "cli/command.hpp"
#include "cli/database.hpp"
#include "graph/plan.hpp"
#include "runtime/fresh.hpp"
#include "runtime/sql_script.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <future>
#include <iostream>
#include <set>

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

std::map<std::string, std::vector<std::string>>
applied_dependencies(const std::vector<AppliedRevision>& applied) {
    std::map<std::string, std::vector<std::string>> out;
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
                 {"reason", step.reason}});
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
                  << (step.reason.empty() ? "" : ", " + step.reason) << ")\n";
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

enum class Mode { upgrade, downgrade, stamp };

// `--sql`: print the plan as a psql script. From a range FROM:TO no
// database is needed; otherwise the plan starts at the database's position.
int print_script(const Invocation& invocation, Mode mode, RevisionGraph& graph,
                 const std::string& target) {
    const Settings& settings = invocation.settings;
    Position position;
    std::vector<std::string> applied_ids;
    std::map<std::string, std::vector<std::string>> dependencies;
    std::string to = target;
    auto colon = target.find(':');
    if (colon != std::string::npos) {
        to = target.substr(colon + 1);
        if (colon > 0) {
            for (const BranchTarget& from :
                 resolve(parse_specifier(target.substr(0, colon)), graph)) {
                position[from.branch] = from.revision;
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
    } else {
        DatabaseSession session = open_database(settings, false);
        auto applied = session.ledger->applied(true);
        position = Ledger::position_of(applied);
        dependencies = applied_dependencies(applied);
    }
    auto targets = resolve(parse_specifier(to), graph, position);
    if (mode == Mode::upgrade) {
        require_upgrade_targets(graph, position, targets, to);
    }
    auto steps = mode == Mode::downgrade ? plan_downgrade(graph, position, targets, dependencies)
                                         : plan_upgrade(graph, position, targets);
    std::string title = "ecluse " + invocation.command + " " + target + " (" +
                        std::to_string(steps.size()) + " revision" +
                        (steps.size() == 1 ? "" : "s") + ")";
    load_sections(settings, graph, steps);
    std::cout << render_sql_script(prepare_steps(steps), LedgerSql(settings.schema),
                                   migrator_options(settings), title);
    return 0;
}

int migrate(const Invocation& invocation, Mode mode) {
    po::options_description options(invocation.command + " options");
    options.add_options()("target", po::value<std::string>()->value_name("TARGET"),
                          "where to go: heads, pre@head, post@base, a1b2, pre@-1, ...");
    if (mode != Mode::stamp) {
        options.add_options()("sql", "print the SQL script instead of running it (TARGET may be a "
                                     "range FROM:TO, which needs no database)");
    }
    if (mode == Mode::downgrade) {
        options.add_options()("orphans",
                              "undo revisions applied from another line of work and "
                              "missing from disk, newest first, from their stored downgrade SQL");
    }
    po::positional_options_description positional;
    positional.add("target", 1);
    auto values = parse_options(invocation, options, positional);
    if (!values) {
        return 0;
    }
    const Settings& settings = invocation.settings;
    bool orphans = values->count("orphans") != 0;
    if (values->count("target") == 0 && !orphans) {
        throw UsageError("ecluse " + invocation.command + " needs a TARGET",
                         "for example `ecluse " + invocation.command + " " +
                             (mode == Mode::downgrade ? "pre@-1" : "heads") + "`");
    }
    // The server starts a backend for the connection while the project is
    // read; a problem in the project is still the one reported.
    std::future<DatabaseSession> connecting;
    if (values->count("sql") == 0) {
        connecting =
            std::async(std::launch::async, [&settings] { return connect_database(settings); });
    }
    // Only the files of the revisions that run are read in full.
    RevisionGraph graph = load_graph(settings, SectionText::skip);
    graph.require_valid();
    if (values->count("sql") != 0) {
        if (orphans || values->count("target") == 0) {
            throw UsageError("--sql needs a TARGET (and does not combine with --orphans)");
        }
        return print_script(invocation, mode, graph, (*values)["target"].as<std::string>());
    }
    std::optional<Specifier> spec;
    if (values->count("target") != 0) {
        spec = parse_specifier((*values)["target"].as<std::string>());
    }

    DatabaseSession session = connecting.get();
    take_migration_lock(settings, session);
    Migrator migrator(*session.connection, *session.ledger, migrator_options(settings));
    // Orphans are undone from what the ledger recorded of them; otherwise
    // the links between applied revisions are all that is needed.
    auto applied = session.ledger->applied(!orphans);
    Position position = Ledger::position_of(applied);
    Report report{settings, mode == Mode::stamp};
    if (settings.format == OutputFormat::text && settings.verbosity >= 0) {
        std::cout << invocation.command << " on " << session.connection->description() << ": "
                  << describe_position(graph, position) << '\n';
    }

    std::size_t done = 0;
    if (orphans) {
        std::vector<const AppliedRevision*> found;
        for (const auto& revision : applied) {
            if (graph.find(revision.revision) == nullptr &&
                graph.replaced(revision.revision) == nullptr) {
                found.push_back(&revision);
            }
        }
        for (auto it = found.rbegin(); it != found.rend(); ++it) {
            StepOutcome outcome = migrator.undo_orphan(**it);
            RevisionFile shown;
            shown.revision = (*it)->revision;
            shown.branch = (*it)->branch;
            shown.message = (*it)->message + " [orphan]";
            report.step({&shown, Direction::downgrade, {}}, outcome);
            ++done;
        }
        applied = session.ledger->applied(true);
        position = Ledger::position_of(applied);
    }
    if (spec) {
        std::vector<BranchTarget> targets = resolve(*spec, graph, position);
        if (mode == Mode::upgrade) {
            // An empty database starts from the newest usable snapshot.
            std::vector<SnapshotFile> snapshots = load_snapshot_files(settings.root);
            if (applied.empty() && !snapshots.empty()) {
                // Whether a snapshot is usable depends on the checksums of
                // the revisions it replaces.
                std::vector<const RevisionFile*> all;
                for (const RevisionFile& revision : graph.revisions()) {
                    all.push_back(&revision);
                }
                load_sections(settings, graph, all);
            }
            SnapshotOutcome fresh = apply_usable_snapshot(*session.connection, *session.ledger,
                                                          graph, snapshots, targets);
            if (fresh.snapshot != nullptr) {
                report_snapshot(settings, fresh, report.steps);
                position = Ledger::position_of(session.ledger->applied(true));
                done += fresh.snapshot->replaces.size();
            }
        }
        std::vector<Step> steps;
        bool down = mode == Mode::downgrade;
        if (mode == Mode::stamp) {
            // Stamping moves the record both ways: up where the target is
            // above the position, down where it is below.
            auto up = plan_upgrade(graph, position, targets);
            require_dependencies_stamped(up);
            auto below = plan_downgrade(graph, position, targets, applied_dependencies(applied));
            steps.insert(steps.end(), below.begin(), below.end());
            steps.insert(steps.end(), up.begin(), up.end());
            load_sections(settings, graph, steps);
            for (const Step& step : steps) {
                migrator.stamp(step);
                report.step(step, {});
                ++done;
            }
        } else {
            if (!down) {
                require_upgrade_targets(graph, position, targets,
                                        (*values)["target"].as<std::string>());
            }
            steps = down ? plan_downgrade(graph, position, targets, applied_dependencies(applied))
                         : plan_upgrade(graph, position, targets);
            load_sections(settings, graph, steps);
            auto prepared = prepare_steps(steps);
            for (const PreparedStep& step : prepared) {
                StepOutcome outcome = migrator.run(step, [&](int attempt, const std::string& why) {
                    if (settings.verbosity >= 0 && settings.format == OutputFormat::text) {
                        std::cerr << "  " << step.step.revision->revision << ": " << why
                                  << "; retrying (attempt " << attempt + 1 << ")\n";
                    }
                });
                report.step(step.step, outcome);
                ++done;
            }
        }
        if (done != 0) {
            position = Ledger::position_of(session.ledger->applied(true));
        }
    }
    if (settings.format == OutputFormat::json) {
        auto at = [](const std::optional<std::string>& r) {
            return r ? nlohmann::json(*r) : nlohmann::json(nullptr);
        };
        print_json({{"steps", report.steps},
                    {"position", {{"pre", at(position.pre)}, {"post", at(position.post)}}}});
    } else if (settings.verbosity >= 0) {
        std::cout << (done == 0 ? "nothing to do: "
                                : std::to_string(done) + " revision" + (done == 1 ? "" : "s") +
                                      (mode == Mode::stamp ? " stamped; " : "; "))
                  << describe_position(graph, position) << '\n';
    }
    return 0;
}

} // namespace

int run_upgrade(const Invocation& invocation) {
    return migrate(invocation, Mode::upgrade);
}

int run_downgrade(const Invocation& invocation) {
    return migrate(invocation, Mode::downgrade);
}

int run_stamp(const Invocation& invocation) {
    return migrate(invocation, Mode::stamp);
}

} // namespace ecluse::cli
