#include "runtime/database_state.hpp"

#include <map>

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
    }
    return "";
}

std::vector<RevisionStatus> revision_states(const RevisionGraph& graph,
                                            const std::vector<AppliedRevision>& applied) {
    std::map<std::string, const AppliedRevision*> by_id;
    for (const auto& revision : applied) {
        by_id[revision.revision] = &revision;
    }
    std::vector<RevisionStatus> out;
    for (const RevisionFile* revision : graph.topological_order()) {
        auto it = by_id.find(revision->revision);
        RevisionStatus status{revision->revision, revision->branch, RevisionState::pending,
                              revision->message,  revision->path,   {}};
        if (it != by_id.end()) {
            status.applied_at = it->second->applied_at;
            status.state =
                it->second->stamped || it->second->checksum == upgrade_checksum(*revision)
                    ? RevisionState::applied
                    : RevisionState::drifted;
        }
        out.push_back(std::move(status));
    }
    for (const auto& revision : applied) {
        if (graph.find(revision.revision) == nullptr &&
            graph.replaced(revision.revision) == nullptr) {
            out.push_back({revision.revision, revision.branch, RevisionState::orphan,
                           revision.message, revision.path, revision.applied_at});
        }
    }
    return out;
}

} // namespace ecluse
