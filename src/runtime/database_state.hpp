#pragma once

// Each revision's state in a database: applied, pending, drifted (applied,
// then its upgrade section changed), orphan (applied, unknown on disk),
// out of order (not applied, below an applied revision of its chain),
// interrupted (a `transaction: none` upgrade stopped partway).

#include "graph/plan.hpp"
#include "graph/revision_graph.hpp"
#include "runtime/ledger.hpp"
#include "script/project.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

enum class RevisionState { applied, pending, drifted, orphan, out_of_order, interrupted };

std::string_view state_name(RevisionState state);

struct RevisionStatus {
    std::string revision;
    Branch branch;
    RevisionState state;
    std::string message;
    std::string path;
    std::string applied_at; // empty when pending
    // An interrupted run of its statements: "upgrade interrupted at
    // statement 3 of 4 (2026-12-02T10:00:00Z)"; empty otherwise.
    std::string progress;
};

// Every revision on disk in topological order, then the orphans.
// `progress` (Ledger::progress) marks the interrupted ones.
std::vector<RevisionStatus> revision_states(const RevisionGraph& graph, const Project& project,
                                            const std::vector<AppliedRevision>& applied,
                                            const std::vector<StatementProgress>& progress = {});

// Whether applied revision `applied` differs from `revision` (its file
// with its SQL) in more than comments around its statements. A stamped
// revision never drifts: nothing of it ran.
bool has_drifted(const AppliedRevision& applied, const RevisionFile& revision);

// The revisions of the database that are out of order (find_out_of_order).
std::vector<OutOfOrder> out_of_order(const RevisionGraph& graph,
                                     const std::vector<AppliedRevision>& applied);

// What `check` with a database and `deploy`'s preflight refuse: drifted
// revisions (at the upgrade section's first line), orphans and, unless
// `allow_out_of_order`, revisions out of order, each with what to do about
// it; `command` is the one to suggest for the latter.
std::vector<Diagnostic> database_problems(const RevisionGraph& graph, const Project& project,
                                          const std::vector<AppliedRevision>& applied,
                                          bool allow_out_of_order, const std::string& command);

} // namespace ecluse
