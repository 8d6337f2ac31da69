#include "cli/command.hpp"
#include "graph/specifier.hpp"
#include "lint/lint.hpp"
#include "script/project.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/time.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

namespace {

Branch branch_of_head(const std::string& head) {
    for (Branch branch : k_branches) {
        if (head == std::string(branch_name(branch)) + "@head") {
            return branch;
        }
    }
    throw UsageError("--head must be pre@head or post@head, not " + head,
                     "pre: what the running code tolerates; post: what only the new code does");
}

std::string new_revision_id(const RevisionGraph& graph, const std::optional<std::string>& wanted) {
    if (wanted) {
        if (!is_revision_id(*wanted)) {
            throw UsageError("--rev-id must be 12 lowercase hex characters, not " + *wanted);
        }
        if (graph.find(*wanted) != nullptr) {
            throw UsageError("revision " + *wanted + " already exists (" +
                             graph.find(*wanted)->path + ")");
        }
        return *wanted;
    }
    std::string id;
    do {
        id = random_hex(k_revision_id_length);
    } while (graph.find(id) != nullptr);
    return id;
}

} // namespace

CommandOptions revision_options() {
    CommandOptions options("revision");
    options.options.add_options()(
        "message,m", po::value<std::string>()->required()->value_name("MSG"), "what it does")(
        "head", po::value<std::string>()->required()->value_name("pre@head|post@head"),
        "the branch to add it to")("no-transaction",
                                   "for statements PostgreSQL refuses in a transaction block "
                                   "(CREATE INDEX CONCURRENTLY): run them one by one")(
        "depends-on", po::value<std::vector<std::string>>()->value_name("REV"),
        "a revision of either branch that must be applied first (repeatable)")(
        "rev-id", po::value<std::string>()->value_name("ID"),
        "use this id instead of a random one");
    return options;
}

int run_revision(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    RevisionGraph graph = load_project(invocation.settings).graph;
    graph.require_valid();
    Branch branch = branch_of_head((*values)["head"].as<std::string>());

    RevisionFile revision;
    revision.branch = branch;
    revision.revision = new_revision_id(
        graph, values->count("rev-id") ? std::optional((*values)["rev-id"].as<std::string>())
                                       : std::nullopt);
    // On top of the head; after a snapshot whose replaced files were all
    // deleted, on top of the snapshot's head.
    revision.down_revision = graph.head(branch) ? graph.head(branch) : graph.snapshot_base(branch);
    if (values->count("depends-on") != 0) {
        for (const auto& spec : (*values)["depends-on"].as<std::vector<std::string>>()) {
            revision.depends_on.push_back(resolve_revision(spec, graph).revision);
        }
    }
    revision.message = (*values)["message"].as<std::string>();
    auto now = std::chrono::system_clock::now();
    revision.created = format_iso8601_utc(now);
    revision.transaction = values->count("no-transaction") != 0 ? TransactionMode::none
                                                                : TransactionMode::per_migration;
    revision.upgrade = {"\n", 0, true};
    revision.downgrade = {"\n", 0, true};

    std::filesystem::path folder = branch_folder(invocation.settings.root, branch);
    std::filesystem::create_directories(folder);
    std::string name =
        revision_file_name(format_compact_utc(now), revision.revision, revision.message);
    revision.path =
        (std::filesystem::path(k_migrations_folder) / branch_name(branch) / name).string();
    write_file_atomically(invocation.settings.root / revision.path, render_revision_file(revision));

    std::vector<RevisionFile> revisions = graph.revisions();
    revisions.push_back(revision);
    RevisionGraph updated(std::move(revisions), graph.replaced_all());
    sync_conflict_file(invocation.settings, updated);

    if (invocation.settings.format == OutputFormat::json) {
        print_json(revision_json(*updated.find(revision.revision), updated));
    } else {
        std::cout << display_path(invocation.settings, revision.path) << '\n';
        if (invocation.settings.verbosity >= 0) {
            std::cerr << revision_guidance(branch) << '\n';
        }
    }
    return 0;
}

} // namespace ecluse::cli
