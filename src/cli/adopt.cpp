// adopt: the reference database's baseline written and stamped; every
// other database compared with it, then stamped. runtime/adopt does the
// reading, dumping and comparing.

#include "runtime/adopt.hpp"

#include "cli/command.hpp"
#include "cli/database.hpp"
#include "runtime/migrate.hpp"
#include "script/conflict_file.hpp"
#include "script/project.hpp"
#include "script/snapshot_file.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <set>

namespace ecluse::cli {

namespace {

// The project's baseline: a first pre revision whose upgrade starts with an
// adoption block, or a snapshot whose SQL does.
struct FoundBaseline {
    std::string path;
    std::string sql;
    Adoption adoption;
    std::optional<std::string> revision; // a revision baseline: its id
    std::vector<std::string> replaced;   // a snapshot baseline: what it replaces
};

std::optional<FoundBaseline> find_baseline(const Settings& settings, const LoadedProject& loaded) {
    std::optional<FoundBaseline> found;
    auto keep = [&](FoundBaseline baseline) {
        if (found) {
            throw CheckFailed("two adoption baselines: " + found->path + " and " + baseline.path,
                              "a project is adopted once: delete the one that was not committed");
        }
        found = std::move(baseline);
    };
    for (const RevisionFile& header : loaded.project.headers()) {
        if (header.branch != Branch::pre || header.down_revision) {
            continue;
        }
        const RevisionFile& revision = loaded.project.sql(header);
        if (auto adoption =
                parse_adoption(revision.upgrade.text, revision.path, revision.upgrade.first_line)) {
            keep({revision.path,
                  revision.upgrade.text,
                  std::move(*adoption),
                  revision.revision,
                  {}});
        }
    }
    for (SnapshotFile& snapshot : load_snapshot_files(settings.root)) {
        if (auto adoption = parse_adoption(snapshot.sql, snapshot.path, snapshot.sql_first_line)) {
            std::vector<std::string> replaced;
            for (const ReplacedRevision& each : snapshot.replaces) {
                replaced.push_back(each.revision);
            }
            keep({snapshot.path, std::move(snapshot.sql), std::move(*adoption), std::nullopt,
                  std::move(replaced)});
        }
    }
    return found;
}

// The revisions the database records as applied (none without the ledger).
std::set<std::string> applied_revisions(DatabaseSession& session) {
    std::set<std::string> out;
    if (session.ledger->exists()) {
        for (const AppliedRevision& applied : session.ledger->applied(true)) {
            out.insert(applied.revision);
        }
    }
    return out;
}

// Those of `wanted` that `applied` lacks.
std::vector<std::string> not_applied(const std::vector<std::string>& wanted,
                                     const std::set<std::string>& applied) {
    std::vector<std::string> out;
    for (const std::string& revision : wanted) {
        if (applied.count(revision) == 0) {
            out.push_back(revision);
        }
    }
    return out;
}

// "alembic at 3f2a1b9c0d4e", "sequelize: 12 migrations, the last 20240101-users.js".
std::string describe(OldTool tool, const std::vector<std::string>& position) {
    std::string name(old_tool_name(tool));
    if (position.empty()) {
        return name + " with nothing applied";
    }
    if (tool == OldTool::alembic) {
        return name + " at " + join(position, ", ");
    }
    return name + ": " + std::to_string(position.size()) + " migration" +
           (position.size() == 1 ? "" : "s") + ", the last " + position.back();
}

void stamp_baseline(const Settings& settings, DatabaseSession& session,
                    const std::string& revision) {
    LoadedProject loaded = load_project(settings);
    loaded.graph.require_valid();
    take_migration_lock(settings, session);
    MigrateOptions options;
    options.mode = MigrateMode::stamp;
    options.target = revision;
    options.migrator = migrator_options(settings);
    migrate(*session.connection, *session.ledger, loaded.graph, loaded.project, options,
            [](const MigrateEvent&) {});
}

AdoptOptions adopt_options_of(const po::variables_map& values, const Settings& settings) {
    AdoptOptions options;
    std::string from = values["from"].as<std::string>();
    if (from != "auto") {
        options.from = parse_old_tool(from);
        if (!options.from) {
            throw UsageError("--from takes alembic, sequelize, typeorm, flyway or auto, not " +
                             from);
        }
    }
    if (values.count("table") != 0) {
        if (!options.from) {
            throw UsageError("--table needs --from: which tool's table it is");
        }
        options.table = values["table"].as<std::string>();
    }
    options.no_owner = values.count("no-owner") != 0;
    options.no_privileges = values.count("no-privileges") != 0;
    options.ledger_schema = settings.schema;
    return options;
}

} // namespace

CommandOptions adopt_options() {
    CommandOptions options("adopt");
    options.options.add_options()(
        "from",
        po::value<std::string>()->default_value("auto")->value_name(
            "alembic|sequelize|typeorm|flyway|auto"),
        "the tool the database comes from; auto: whichever tool's table is there")(
        "table", po::value<std::string>()->value_name("[SCHEMA.]NAME"),
        "the old tool's table, when it is not the tool's default name")(
        "no-owner", "leave ownership out of the baseline (pg_dump --no-owner): for databases "
                    "whose owner differs from one environment to another")(
        "no-privileges", "leave grants out of the baseline (pg_dump --no-privileges)");
    return options;
}

int run_adopt(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    const Settings& settings = invocation.settings;
    AdoptOptions options = adopt_options_of(*values, settings);
    LoadedProject loaded = load_project(settings);
    loaded.graph.require_valid();
    std::optional<FoundBaseline> baseline = find_baseline(settings, loaded);
    if (baseline && options.from && *options.from != baseline->adoption.tool) {
        throw UsageError("the project's baseline " + baseline->path + " was adopted from " +
                             std::string(old_tool_name(baseline->adoption.tool)) + ", not " +
                             std::string(old_tool_name(*options.from)),
                         "leave --from out: other databases are compared with the baseline");
    }

    DatabaseSession session = connect_database(settings);
    std::string url =
        session.scratch ? session.scratch->url() : settings.database_url.value_or(std::string());
    bool json = settings.format == OutputFormat::json;
    bool notes = !json && settings.verbosity >= 0;
    std::set<std::string> applied = applied_revisions(session);
    auto now = std::chrono::system_clock::now();

    if (!baseline) {
        // The reference database.
        OldToolState state = read_old_tool(*session.connection, options);
        std::string path;
        std::optional<std::string> id;
        std::size_t statements = 0;
        if (loaded.graph.size() == 0) {
            do {
                id = random_hex(k_revision_id_length);
            } while (loaded.graph.find(*id) != nullptr);
            Baseline taken = take_baseline(url, state, options, *id, now);
            std::filesystem::create_directories(branch_folder(settings.root, Branch::pre));
            write_file_atomically(settings.root / taken.revision.path,
                                  render_revision_file(taken.revision));
            sync_conflict_file(settings,
                               RevisionGraph({taken.revision}, loaded.graph.replaced_all()));
            stamp_baseline(settings, session, *id);
            path = taken.revision.path;
            statements = taken.statements;
        } else {
            std::vector<std::string> all;
            for (const RevisionFile* revision : loaded.graph.topological_order()) {
                all.push_back(revision->revision);
            }
            std::vector<std::string> pending = not_applied(all, applied);
            if (!pending.empty()) {
                throw CheckFailed(
                    "the project has revisions already, and this database has not applied " +
                        std::to_string(pending.size()) + " of them (" + pending.front() +
                        (pending.size() > 1 ? ", ..." : "") + ")",
                    "adopt snapshots this database's schema at both heads of the project: apply "
                    "them first (`ecluse upgrade heads`), or adopt in a project without "
                    "revisions, before writing any; nothing was changed");
            }
            std::vector<SnapshotFile> older = load_snapshot_files(settings.root);
            SnapshotFile snapshot = take_adoption_snapshot(url, state, options, loaded.graph,
                                                           loaded.project, older, now);
            std::filesystem::create_directories(snapshot_folder(settings.root));
            write_file_atomically(settings.root / snapshot.path, render_snapshot_file(snapshot));
            path = snapshot.path;
            statements = snapshot.replaces.size();
        }
        std::string shown = display_path(settings, path);
        if (json) {
            print_json({{"baseline", shown},
                        {"revision", json_or_null(id)},
                        {"snapshot", !id.has_value()},
                        {"from", old_tool_name(state.tool)},
                        {"table", state.qualified_name()},
                        {"position", state.position},
                        {"stamped", id.has_value()},
                        {"compared", false}});
            return 0;
        }
        std::cout << shown << '\n';
        if (notes) {
            if (id) {
                std::cerr << "baseline " << *id << ": " << statements
                          << " statements of pg_dump --schema-only, "
                          << describe(state.tool, state.position) << "\n"
                          << "stamped it on this database: nothing of its schema changed, and "
                          << state.qualified_name() << " is left alone\n";
            } else {
                std::cerr << "snapshot of this database's schema at both heads, replacing "
                          << statements << " revisions, " << describe(state.tool, state.position)
                          << ": empty databases start from it; this database has them all "
                             "applied, so nothing was stamped, and "
                          << state.qualified_name() << " is left alone\n";
            }
            std::cerr << "next: commit " << shown
                      << (id ? " and " + display_path(settings, std::string(k_conflict_file_name))
                             : std::string())
                      << "; then run `ecluse adopt -d URL` on every other database (staging, "
                         "developers', per-PR templates): each is compared with the baseline "
                      << (id ? "before it is stamped\n" : "\n");
        }
        return 0;
    }

    // Another database.
    const Adoption& recorded = baseline->adoption;
    bool already = baseline->revision ? applied.count(*baseline->revision) != 0 : false;
    if (!baseline->revision) {
        std::vector<std::string> missing = not_applied(baseline->replaced, applied);
        if (!missing.empty()) {
            throw CheckFailed("this database has not applied " + std::to_string(missing.size()) +
                                  " of the revisions the snapshot " + baseline->path +
                                  " was taken at (" + missing.front() +
                                  (missing.size() > 1 ? ", ..." : "") + ")",
                              "adopt compares databases that stand where the reference stood: "
                              "apply them as on the reference (`ecluse upgrade`), then `ecluse "
                              "adopt` again; nothing was changed");
        }
    }
    if (!already) {
        check_adoptable(*session.connection, url, baseline->path, baseline->sql, recorded,
                        settings.schema);
        if (baseline->revision) {
            stamp_baseline(settings, session, *baseline->revision);
        }
    }
    bool stamped = !already && baseline->revision.has_value();
    if (json) {
        print_json(
            {{"baseline", display_path(settings, baseline->path)},
             {"revision", json_or_null(baseline->revision)},
             {"snapshot", !baseline->revision.has_value()},
             {"from", old_tool_name(recorded.tool)},
             {"table",
              OldToolState{recorded.tool, recorded.schema, recorded.table, {}}.qualified_name()},
             {"position", recorded.position},
             {"stamped", stamped},
             {"compared", !already}});
    } else if (notes) {
        if (already) {
            std::cerr << "baseline " << *baseline->revision
                      << " is already applied on this database: nothing changed\n";
        } else {
            std::cerr << "this database stands where the baseline " << baseline->path
                      << " was taken (" << describe(recorded.tool, recorded.position)
                      << ", the same schema): "
                      << (stamped ? "stamped it; nothing of its schema changed\n"
                                  : "its revisions are applied already, so nothing was stamped "
                                    "and nothing changed\n");
        }
    }
    return 0;
}

} // namespace ecluse::cli
