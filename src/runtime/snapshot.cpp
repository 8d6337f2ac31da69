#include "runtime/snapshot.hpp"

#include "graph/snapshots.hpp"
#include "pg/connection.hpp"
#include "runtime/fresh.hpp"
#include "runtime/ledger.hpp"
#include "runtime/lock.hpp"
#include "scratch/scratch_server.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <set>

namespace ecluse {

std::vector<ReplacedRevision> replaced_by_new_snapshot(const RevisionGraph& graph,
                                                       const Project& project,
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
                       revision->depends_on, upgrade_checksum(project.sql(*revision)),
                       revision->message});
    }
    return out;
}

namespace {

// Brings the database at `url` to `targets` by replaying the revision
// files (through one of `snapshots` where the history below them was
// deleted), and returns its pg_dump.
std::string dump_after_upgrade(const std::string& url, const RevisionGraph& graph,
                               const Project& project, const std::vector<SnapshotFile>& snapshots,
                               const std::vector<BranchTarget>& targets,
                               const std::vector<std::string>& dump_arguments,
                               const SnapshotRunOptions& options) {
    {
        pg::Connection connection(url);
        Ledger ledger(connection, options.ledger_schema);
        AdvisoryLock lock(connection, options.ledger_schema, options.lock_wait);
        ledger.ensure_tables();
        upgrade_to(connection, ledger, graph, project, snapshots, targets, options.migrator);
    }
    std::vector<std::string> arguments = without_ledger(options.ledger_schema);
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

std::vector<std::string> without_ledger(const std::string& ledger_schema) {
    return {"--exclude-schema=" + pg::quote_identifier(ledger_schema)};
}

SnapshotFile take_snapshot(const RevisionGraph& graph, const Project& project,
                           const std::vector<SnapshotFile>& older,
                           const std::optional<std::string>& dev_url, SystemTime taken_at,
                           const SnapshotRunOptions& options) {
    SnapshotFile snapshot;
    snapshot.pre_head = graph.head(Branch::pre);
    snapshot.post_head = graph.head(Branch::post);
    std::unique_ptr<ScratchServer> server;
    std::string url;
    if (dev_url) {
        url = *dev_url;
    } else {
        server = ScratchServer::start();
        url = server->url();
    }
    std::vector<BranchTarget> heads = {{Branch::pre, snapshot.pre_head},
                                       {Branch::post, snapshot.post_head}};
    snapshot.sql = dump_after_upgrade(url, graph, project, older, heads,
                                      {"--no-owner", "--no-privileges"}, options);
    snapshot.created = format_iso8601_utc(taken_at);
    snapshot.replaces = replaced_by_new_snapshot(graph, project, older);
    return snapshot;
}

std::vector<Diagnostic> verify_snapshots(const RevisionGraph& graph, const Project& project,
                                         const std::vector<SnapshotFile>& snapshots,
                                         const SnapshotRunOptions& options) {
    std::vector<Diagnostic> problems;
    if (snapshots.empty()) {
        return problems;
    }
    auto server = ScratchServer::start();
    pg::Connection admin(server->url());
    int counter = 0;
    std::vector<std::string> schema_only = {"--schema-only", "--no-owner", "--no-privileges"};
    for (const SnapshotFile& snapshot : snapshots) {
        for (const RevisionFile* changed : changed_since(graph, project, snapshot)) {
            problems.push_back(
                {SourceLocation{changed->path},
                 "revision " + changed->revision + " changed after snapshot " + snapshot.name +
                     " replaced it: an empty database would get what the snapshot recorded, not "
                     "this file",
                 changed_revision_hint(snapshot), false});
        }
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
        std::string from_history =
            dump_after_upgrade(server->url(replayed), graph, project, {},
                               snapshot_targets(snapshot), schema_only, options);
        {
            pg::Connection connection(server->url(restored));
            Ledger ledger(connection, options.ledger_schema);
            ledger.ensure_tables();
            apply_snapshot(connection, ledger, snapshot);
        }
        std::vector<std::string> arguments = without_ledger(options.ledger_schema);
        arguments.insert(arguments.end(), schema_only.begin(), schema_only.end());
        std::string from_snapshot =
            run_pg_dump(pg_dump_program(), server->url(restored), arguments);
        std::string expected = comparable_schema(from_history);
        std::string actual = comparable_schema(from_snapshot);
        if (expected != actual) {
            problems.push_back(
                {SourceLocation{snapshot.path},
                 "snapshot " + snapshot.name +
                     " does not give the schema that replaying its revisions gives: " +
                     first_difference(expected, actual),
                 "a replaced revision changed after the snapshot was taken, or the snapshot was "
                 "edited: take it again with `ecluse snapshot` and delete this one",
                 false});
        }
    }
    return problems;
}

} // namespace ecluse
