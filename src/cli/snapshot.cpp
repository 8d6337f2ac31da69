// snapshot: replay the history to both heads and write the dump as a
// baseline for fresh databases; `check --verify-snapshots`.

#include "runtime/snapshot.hpp"

#include "cli/command.hpp"
#include "cli/fresh.hpp"
#include "script/project.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

namespace {

SnapshotRunOptions run_options(const Settings& settings) {
    return {settings.schema, settings.lock_wait.value(), migrator_options(settings)};
}

} // namespace

void verify_snapshots(const Settings& settings, const Project& project, const RevisionGraph& graph,
                      CheckReport& report) {
    for (Diagnostic& problem : verify_snapshots(graph, project, load_snapshot_files(settings.root),
                                                run_options(settings))) {
        report.problems.push_back(std::move(problem));
    }
}

CommandOptions snapshot_options() {
    CommandOptions options("snapshot");
    options.options.add_options()("dev-url", po::value<std::string>()->value_name("URL"),
                                  "replay on this database (it should hold nothing but what the "
                                  "migrations make) instead of on a scratch server");
    return options;
}

int run_snapshot(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    const Settings& settings = invocation.settings;
    auto [project, graph] = load_project(settings);
    graph.require_valid();
    if (graph.size() == 0) {
        throw CheckFailed("there is no revision to snapshot",
                          "write revisions first: `ecluse revision -m MSG --head pre@head`");
    }
    std::vector<SnapshotFile> older = load_snapshot_files(settings.root);
    for (const SnapshotFile& existing : older) {
        if (existing.pre_head == graph.head(Branch::pre) &&
            existing.post_head == graph.head(Branch::post)) {
            throw CheckFailed("snapshot " + existing.path + " already stands at both heads",
                              "add revisions before taking a new snapshot, or delete that file "
                              "to take it again");
        }
    }
    std::optional<std::string> dev_url;
    if (values->count("dev-url") != 0) {
        dev_url = (*values)["dev-url"].as<std::string>();
    }
    auto now = std::chrono::system_clock::now();
    SnapshotFile snapshot =
        take_snapshot(graph, project, older, dev_url, now, run_options(settings));
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
                    {"pre", json_or_null(snapshot.pre_head)},
                    {"post", json_or_null(snapshot.post_head)},
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
