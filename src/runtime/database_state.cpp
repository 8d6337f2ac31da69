#include "runtime/database_state.hpp"

#include <map>
#include <unordered_set>

namespace ecluse {

std::string_view state_name(RevisionState state) {
    switch (state) {
    case RevisionState::applied:
        return "applied";
    case RevisionState::pending:
        return "pending";
    case RevisionState::drifted:
        return "drifted";
    case RevisionState::orphan:
        return "orphan";
    case RevisionState::out_of_order:
        return "out_of_order";
    case RevisionState::interrupted:
        return "interrupted";
    }
    return "";
}

bool has_drifted(const AppliedRevision& applied, const RevisionFile& revision) {
    if (applied.stamped || applied.checksum == upgrade_checksum(revision)) {
        return false;
    }
    // Rows of older layouts have only the section's own checksum.
    if (applied.statements_checksum.empty()) {
        return true;
    }
    try {
        return statements_checksum(split_section(revision, revision.upgrade)) !=
               applied.statements_checksum;
    } catch (const Error&) {
        return true; // it no longer splits: it changed
    }
}

std::vector<RevisionStatus> revision_states(const RevisionGraph& graph, const Project& project,
                                            const std::vector<AppliedRevision>& applied,
                                            const std::vector<StatementProgress>& progress) {
    std::map<std::string, const AppliedRevision*> by_id;
    for (const auto& revision : applied) {
        by_id[revision.revision] = &revision;
    }
    std::unordered_set<const RevisionFile*> holes;
    for (const OutOfOrder& hole : out_of_order(graph, applied)) {
        holes.insert(hole.revision);
    }
    std::vector<RevisionStatus> out;
    for (const RevisionFile* revision : graph.topological_order()) {
        auto it = by_id.find(revision->revision);
        RevisionStatus status{revision->revision,
                              revision->branch,
                              RevisionState::pending,
                              revision->message,
                              revision->path,
                              {},
                              {}};
        if (it != by_id.end()) {
            status.applied_at = it->second->applied_at;
            status.state = has_drifted(*it->second, project.sql(*revision))
                               ? RevisionState::drifted
                               : RevisionState::applied;
        } else if (holes.count(revision) != 0) {
            status.state = RevisionState::out_of_order;
        }
        for (const StatementProgress& run : progress) {
            bool undoing = run.action == "downgrade";
            if (run.revision == revision->revision && undoing == (it != by_id.end())) {
                status.progress = run.action + " interrupted at statement " +
                                  std::to_string(run.done + 1) + " of " +
                                  std::to_string(run.total) + " (" + run.at + ")";
                if (!undoing) {
                    status.state = RevisionState::interrupted;
                }
            }
        }
        out.push_back(std::move(status));
    }
    for (const auto& revision : applied) {
        if (graph.find(revision.revision) == nullptr &&
            graph.replaced(revision.revision) == nullptr) {
            out.push_back({revision.revision,
                           revision.branch,
                           RevisionState::orphan,
                           revision.message,
                           revision.path,
                           revision.applied_at,
                           {}});
        }
    }
    return out;
}

std::vector<OutOfOrder> out_of_order(const RevisionGraph& graph,
                                     const std::vector<AppliedRevision>& applied) {
    std::unordered_set<std::string_view> ids;
    for (const auto& revision : applied) {
        ids.insert(revision.revision);
    }
    return find_out_of_order(graph, Ledger::position_of(applied, graph), ids);
}

std::vector<Diagnostic> database_problems(const RevisionGraph& graph, const Project& project,
                                          const std::vector<AppliedRevision>& applied,
                                          bool allow_out_of_order, const std::string& command) {
    std::vector<Diagnostic> problems;
    if (!allow_out_of_order) {
        problems = out_of_order_problems(graph, out_of_order(graph, applied),
                                         {Branch::pre, Branch::post}, command);
    }
    for (const RevisionStatus& status : revision_states(graph, project, applied)) {
        if (status.state == RevisionState::drifted) {
            const RevisionFile& revision = *graph.find(status.revision);
            problems.push_back({SourceLocation{revision.path, revision.upgrade.first_line},
                                "revision " + status.revision +
                                    " changed after it was applied (drift): its upgrade "
                                    "section's checksum differs from the one "
                                    "recorded on " +
                                    status.applied_at,
                                "restore the applied SQL (git log -p " + revision.path +
                                    ") and put the change in a new revision; or, once the "
                                    "change is reviewed as matching the database, `ecluse "
                                    "stamp --accept-drift " +
                                    status.revision + "` records it (logged)",
                                false});
        } else if (status.state == RevisionState::orphan) {
            problems.push_back(
                {SourceLocation{status.path},
                 "revision " + status.revision + " (" + std::string(branch_name(status.branch)) +
                     ", " + status.message +
                     ") is applied to the database but missing from disk (orphan)",
                 "it came from another line of work: `ecluse downgrade --orphans` undoes it "
                 "from its stored downgrade SQL; `ecluse stamp --forget-orphan " +
                     status.revision + "` forgets its record and runs nothing",
                 false});
        }
    }
    return problems;
}

} // namespace ecluse
