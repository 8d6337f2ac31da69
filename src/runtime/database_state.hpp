#pragma once

// Each revision's state in a database: applied, pending, drifted (applied,
// then its upgrade section changed), orphan (applied, unknown on disk).

#include "graph/revision_graph.hpp"
#include "runtime/ledger.hpp"
#include "script/project.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

enum class RevisionState { applied, pending, drifted, orphan };

std::string_view state_name(RevisionState state);

struct RevisionStatus {
    std::string revision;
    Branch branch;
    RevisionState state;
    std::string message;
    std::string path;
    std::string applied_at; // empty when pending
};

// Every revision on disk in topological order, then the orphans.
std::vector<RevisionStatus> revision_states(const RevisionGraph& graph, const Project& project,
                                            const std::vector<AppliedRevision>& applied);

// What `check` with a database and `deploy`'s preflight refuse: drifted
// revisions (at the upgrade section's first line) and orphans, each with
// what to do about it.
std::vector<Diagnostic> database_problems(const RevisionGraph& graph, const Project& project,
                                          const std::vector<AppliedRevision>& applied);

} // namespace ecluse
