#pragma once

// `env create` as an operation: a pull-request environment (its role with a
// random password, its database) brought to both heads, through a spare or
// a copy of the snapshot's template when there is one, then a data dump.

#include "graph/revision_graph.hpp"
#include "runtime/data_load.hpp"
#include "runtime/environment.hpp"
#include "runtime/environment_template.hpp"
#include "runtime/fresh.hpp"
#include "runtime/migrator.hpp"

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ecluse {

// What an environment is built from: the project and its graph (valid),
// the snapshots, and the targets (both heads).
struct EnvironmentProject {
    Project project;
    RevisionGraph graph;
    std::vector<SnapshotFile> snapshots;
    std::vector<BranchTarget> heads;
};

struct CreateEnvironmentOptions {
    std::string admin_url;     // allowed to create roles and databases
    std::string name;          // the role's and the database's (check_environment_name)
    std::string ledger_schema; // ecluse's bookkeeping schema
    std::chrono::milliseconds lock_wait{60'000};
    MigratorOptions migrator;
    bool recreate = false;                // drop an environment of that name first
    bool use_template = true;             // false: apply the snapshot to the database itself
    std::optional<std::string> data_file; // a data-only dump loaded after the structure
};

struct CreatedEnvironment {
    std::string url;                       // postgresql:// with the role's password
    std::optional<TemplateOutcome> copied; // when copied from a template (or a spare)
    std::optional<std::string> snapshot;   // the snapshot it was built through, if any
    std::size_t revisions = 0;             // revisions applied after the snapshot
    LoadOutcome loaded;                    // the data dump's statements
};

// Creates the environment. `read_project` is called while the admin
// connection opens (and the password's SCRAM secret is computed), so that
// a problem in the project is still the one reported. On a failure after
// the environment was made, it is dropped again and the error is nested in
// an ErrorContext that says so. Throws CheckFailed when it exists already
// (without `recreate`).
CreatedEnvironment
create_pull_request_environment(const CreateEnvironmentOptions& options,
                                const std::function<EnvironmentProject()>& read_project);

} // namespace ecluse
