#pragma once

// Helpers shared by the fresh-environment commands (snapshot, env, data,
// seed) and `check --verify-snapshots`.

#include "cli/database.hpp"
#include "graph/project_check.hpp"
#include "runtime/fresh.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace ecluse::cli {

// `check --verify-snapshots`: for each snapshot whose revisions are all on
// disk, replays them on a scratch server and compares the schema with the
// snapshot's own; a difference is a problem in `report`.
void verify_snapshots(const Settings& settings, const Project& project, const RevisionGraph& graph,
                      CheckReport& report);

} // namespace ecluse::cli
