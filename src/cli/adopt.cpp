// adopt: the reference database's baseline written and stamped; every
// other database compared with it, then stamped. runtime/adopt does the
// reading, dumping and comparing.

#include "runtime/adopt.hpp"

#include "cli/command.hpp"
#include "cli/database.hpp"
#include "runtime/migrate.hpp"
#include "script/conflict_file.hpp"
#include "script/project.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

namespace {

struct FoundBaseline {
    const RevisionFile* revision = nullptr; // with its SQL
    Adoption adoption;
};

// The project's baseline: a first pre revision whose upgrade starts with
// an adoption block.
std::optional<FoundBaseline> find_baseline(const LoadedProject& loaded) {
    std::optional<FoundBaseline> found;
    for (const RevisionFile& header : loaded.project.headers()) {
        if (header.branch != Branch::pre || header.down_revision) {
            continue;
        }
        const RevisionFile& revision = loaded.project.sql(header);
        auto adoption =
            parse_adoption(revision.upgrade.text, revision.path, revision.upgrade.first_line);
        if (!adoption) {
            continue;
        }
        if (found) {
            throw CheckFailed("two adoption baselines: " + found->revision->path + " and " +
                                  revision.path,
                              "a project is adopted once: delete the one that was not committed");
        }
        found = FoundBaseline{&revision, std::move(*adoption)};
    }
    return found;
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

bool baseline_applied(DatabaseSession& session, const std::string& revision) {
    if (!session.ledger->exists()) {
        return false;
    }
    for (const AppliedRevision& applied : session.ledger->applied(true)) {
        if (applied.revision == revision) {
            return true;
        }
    }
    return false;
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
    std::optional<FoundBaseline> baseline = find_baseline(loaded);
    if (!baseline && loaded.graph.size() != 0) {
        throw CheckFailed(
            "the project has revisions already, and none is an adoption baseline",
            "adopt writes the baseline as the project's first pre revision: run it in a project "
            "without revisions (`ecluse init`, then `ecluse adopt -d URL` on the reference "
            "database), before writing any");
    }
    if (baseline && options.from && *options.from != baseline->adoption.tool) {
        throw UsageError("the project's baseline " + baseline->revision->path +
                             " was adopted from " +
                             std::string(old_tool_name(baseline->adoption.tool)) + ", not " +
                             std::string(old_tool_name(*options.from)),
                         "leave --from out: other databases are compared with the baseline");
    }

    DatabaseSession session = connect_database(settings);
    std::string url =
        session.scratch ? session.scratch->url() : settings.database_url.value_or(std::string());
    bool json = settings.format == OutputFormat::json;
    bool notes = !json && settings.verbosity >= 0;

    if (!baseline) {
        OldToolState state = read_old_tool(*session.connection, options);
        std::string id;
        do {
            id = random_hex(k_revision_id_length);
        } while (loaded.graph.find(id) != nullptr);
        Baseline taken = take_baseline(url, state, options, id, std::chrono::system_clock::now());
        std::filesystem::create_directories(branch_folder(settings.root, Branch::pre));
        write_file_atomically(settings.root / taken.revision.path,
                              render_revision_file(taken.revision));
        RevisionGraph updated({taken.revision}, loaded.graph.replaced_all());
        sync_conflict_file(settings, updated);
        stamp_baseline(settings, session, id);
        std::string shown = display_path(settings, taken.revision.path);
        if (json) {
            print_json({{"baseline", shown},
                        {"revision", id},
                        {"from", old_tool_name(state.tool)},
                        {"table", state.qualified_name()},
                        {"position", state.position},
                        {"statements", taken.statements},
                        {"stamped", true},
                        {"compared", false}});
            return 0;
        }
        std::cout << shown << '\n';
        if (notes) {
            std::cerr << "baseline " << id << ": " << taken.statements
                      << " statements of pg_dump --schema-only, "
                      << describe(state.tool, state.position) << "\n"
                      << "stamped it on this database: nothing of its schema changed, and "
                      << state.qualified_name() << " is left alone\n"
                      << "next: commit " << shown << " and "
                      << display_path(settings, std::string(k_conflict_file_name))
                      << "; then run `ecluse adopt -d URL` on every other database (staging, "
                         "developers', per-PR templates): each is compared with the baseline "
                         "before it is stamped\n";
        }
        return 0;
    }

    const RevisionFile& revision = *baseline->revision;
    const Adoption& recorded = baseline->adoption;
    bool already = baseline_applied(session, revision.revision);
    if (!already) {
        check_adoptable(*session.connection, url, revision, recorded, settings.schema);
        stamp_baseline(settings, session, revision.revision);
    }
    if (json) {
        print_json(
            {{"baseline", display_path(settings, revision.path)},
             {"revision", revision.revision},
             {"from", old_tool_name(recorded.tool)},
             {"table",
              OldToolState{recorded.tool, recorded.schema, recorded.table, {}}.qualified_name()},
             {"position", recorded.position},
             {"statements", nullptr},
             {"stamped", !already},
             {"compared", !already}});
    } else if (notes) {
        if (already) {
            std::cerr << "baseline " << revision.revision
                      << " is already applied on this database: nothing changed\n";
        } else {
            std::cerr << "this database stands where the baseline " << revision.revision
                      << " was taken (" << describe(recorded.tool, recorded.position)
                      << ", the same schema): stamped it; nothing of its schema changed\n";
        }
    }
    return 0;
}

} // namespace ecluse::cli
