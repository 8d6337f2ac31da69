// snapshot: replay the history to both heads and write the dump as a
// baseline for fresh databases; `check --verify-snapshots`.

#include "cli/command.hpp"
#include "cli/fresh.hpp"
#include "script/project.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <set>

namespace ecluse::cli {

namespace {

// The revisions a new snapshot replaces: those an older snapshot replaced
// whose files are gone, then every revision on disk in the order they apply.
std::vector<ReplacedRevision> replaced_by_new_snapshot(const RevisionGraph& graph,
                                                       const std::vector<SnapshotFile>& older) {
    std::vector<ReplacedRevision> out;
    std::set<std::string> seen;
    for (auto it = older.rbegin(); it != older.rend(); ++it) {
        for (const ReplacedRevision& replaced : it->replaces) {
            if (graph.find(replaced.revision) == nullptr && seen.insert(replaced.revision).second) {
                out.push_back(replaced);
            }
        }
    }
    for (const RevisionFile* revision : graph.topological_order()) {
        out.push_back({revision->branch, revision->revision, revision->down_revision,
                       revision->depends_on, upgrade_checksum(*revision), revision->message});
    }
    return out;
}

struct ScratchDatabase {
    std::unique_ptr<ScratchServer> server;
    std::string url;
};

// A database for the replay: `dev_url`, else a new scratch server's.
ScratchDatabase replay_database(const std::optional<std::string>& dev_url) {
    ScratchDatabase out;
    if (dev_url) {
        out.url = *dev_url;
    } else {
        out.server = ScratchServer::start();
        out.url = out.server->url();
    }
    return out;
}

// Brings the database at `url` to `targets`, replaying the revision files
// (and starting from `snapshots` when given), and returns its pg_dump.
std::string dump_after_upgrade(const Settings& settings, const std::string& url,
                               const RevisionGraph& graph,
                               const std::vector<SnapshotFile>& snapshots,
                               const std::vector<BranchTarget>& targets,
                               const std::vector<std::string>& dump_arguments) {
    {
        pg::Connection connection(url);
        Ledger ledger(connection, settings.schema);
        AdvisoryLock lock(connection, settings.schema, settings.lock_wait.value());
        ledger.ensure_tables();
        upgrade_to(connection, ledger, graph, snapshots, targets, migrator_options(settings));
    }
    std::vector<std::string> arguments = without_ledger(settings);
    arguments.insert(arguments.end(), dump_arguments.begin(), dump_arguments.end());
    return run_pg_dump(pg_dump_program(), url, arguments);
}

// The first line where two texts differ, for messages.
std::string first_difference(const std::string& expected, const std::string& actual) {
    auto a = split_lines(expected);
    auto b = split_lines(actual);
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
        std::string_view x = i < a.size() ? a[i] : "(end)";
        std::string_view y = i < b.size() ? b[i] : "(end)";
        if (x != y) {
            return "replay has `" + std::string(x) + "` where the snapshot has `" + std::string(y) +
                   "`";
        }
    }
    return "";
}

} // namespace

std::filesystem::path pg_dump_program() {
    return find_server_bindir() / "pg_dump";
}

std::vector<std::string> without_ledger(const Settings& settings) {
    return {"--exclude-schema=" + pg::quote_identifier(settings.schema)};
}

void verify_snapshots(const Settings& settings, CheckReport& report) {
    RevisionGraph graph = load_graph(settings);
    if (!graph.valid()) {
        return; // already reported
    }
    std::vector<SnapshotFile> snapshots = load_snapshot_files(settings.root);
    if (snapshots.empty()) {
        return;
    }
    auto server = ScratchServer::start();
    pg::Connection admin(server->url());
    int counter = 0;
    std::vector<std::string> schema_only = {"--schema-only", "--no-owner", "--no-privileges"};
    for (const SnapshotFile& snapshot : snapshots) {
        bool replayable = true;
        for (const ReplacedRevision& replaced : snapshot.replaces) {
            replayable = replayable && graph.find(replaced.revision) != nullptr;
        }
        if (!replayable) {
            continue; // its history is gone: nothing to compare with
        }
        std::string replayed = "verify_replay_" + std::to_string(++counter);
        std::string restored = "verify_snapshot_" + std::to_string(counter);
        admin.execute("CREATE DATABASE " + replayed);
        admin.execute("CREATE DATABASE " + restored);
        std::string from_history = dump_after_upgrade(settings, server->url(replayed), graph, {},
                                                      snapshot_targets(snapshot), schema_only);
        {
            pg::Connection connection(server->url(restored));
            Ledger ledger(connection, settings.schema);
            ledger.ensure_tables();
            apply_snapshot(connection, ledger, snapshot);
        }
        std::string from_snapshot = run_pg_dump(pg_dump_program(), server->url(restored), [&] {
            auto arguments = without_ledger(settings);
            arguments.insert(arguments.end(), schema_only.begin(), schema_only.end());
            return arguments;
        }());
        std::string expected = comparable_schema(from_history);
        std::string actual = comparable_schema(from_snapshot);
        if (expected != actual) {
            report.problems.push_back(
                {SourceLocation{snapshot.path},
                 "snapshot " + snapshot.name +
                     " does not give the schema that replaying its revisions gives: " +
                     first_difference(expected, actual),
                 "a replaced revision changed after the snapshot was taken, or the snapshot was "
                 "edited: take it again with `ecluse snapshot` and delete this one",
                 false});
        }
    }
}

int run_snapshot(const Invocation& invocation) {
    po::options_description options("snapshot options");
    options.add_options()("dev-url", po::value<std::string>()->value_name("URL"),
                          "replay on this database (it should hold nothing but what the "
                          "migrations make) instead of on a scratch server");
    auto values = parse_options(invocation, options);
    if (!values) {
        return 0;
    }
    const Settings& settings = invocation.settings;
    RevisionGraph graph = load_graph(settings);
    graph.require_valid();
    if (graph.size() == 0) {
        throw CheckFailed("there is no revision to snapshot",
                          "write revisions first: `ecluse revision -m MSG --head pre@head`");
    }
    std::vector<SnapshotFile> older = load_snapshot_files(settings.root);
    SnapshotFile snapshot;
    snapshot.pre_head = graph.head(Branch::pre);
    snapshot.post_head = graph.head(Branch::post);
    for (const SnapshotFile& existing : older) {
        if (existing.pre_head == snapshot.pre_head && existing.post_head == snapshot.post_head) {
            throw CheckFailed("snapshot " + existing.path + " already stands at both heads",
                              "add revisions before taking a new snapshot, or delete that file "
                              "to take it again");
        }
    }
    std::optional<std::string> dev_url;
    if (values->count("dev-url") != 0) {
        dev_url = (*values)["dev-url"].as<std::string>();
    }
    ScratchDatabase database = replay_database(dev_url);
    std::vector<BranchTarget> heads = {{Branch::pre, snapshot.pre_head},
                                       {Branch::post, snapshot.post_head}};
    snapshot.sql = dump_after_upgrade(settings, database.url, graph, {}, heads,
                                      {"--no-owner", "--no-privileges"});
    auto now = std::chrono::system_clock::now();
    snapshot.created = format_iso8601_utc(now);
    snapshot.replaces = replaced_by_new_snapshot(graph, older);
    std::string name =
        snapshot_file_name(format_compact_utc(now), snapshot.pre_head, snapshot.post_head);
    std::filesystem::create_directories(snapshot_folder(settings.root));
    std::filesystem::path path = snapshot_folder(settings.root) / name;
    write_file_atomically(path, render_snapshot_file(snapshot));
    std::string shown = display_path(
        settings,
        (std::filesystem::path(k_migrations_folder) / k_snapshot_folder / name).generic_string());
    if (settings.format == OutputFormat::json) {
        print_json({{"path", shown},
                    {"pre", snapshot.pre_head ? nlohmann::json(*snapshot.pre_head)
                                              : nlohmann::json(nullptr)},
                    {"post", snapshot.post_head ? nlohmann::json(*snapshot.post_head)
                                                : nlohmann::json(nullptr)},
                    {"replaces", snapshot.replaces.size()}});
    } else {
        std::cout << shown << '\n';
        if (settings.verbosity >= 0) {
            std::cerr << "snapshot of " << snapshot.replaces.size() << " revisions (pre "
                      << snapshot.pre_head.value_or("none") << ", post "
                      << snapshot.post_head.value_or("none")
                      << "): an empty database now starts from it\n";
        }
    }
    return 0;
}

} // namespace ecluse::cli
