#include "graph/snapshots.hpp"

#include <algorithm>

namespace ecluse {

namespace {

// The chain index of a snapshot's head in its branch: -1 for an empty
// branch or a head whose file is gone (the parent of the first file);
// nullopt when the head does not belong to the chain on disk.
std::optional<long> head_index(const RevisionGraph& graph, Branch branch,
                               const std::optional<std::string>& head) {
    if (!head) {
        return -1;
    }
    if (const RevisionFile* revision = graph.find(*head)) {
        if (revision->branch != branch) {
            return std::nullopt;
        }
        return static_cast<long>(graph.position_in_chain(*revision));
    }
    const auto& chain = graph.chain(branch);
    if (graph.replaced(*head) != nullptr && !chain.empty() &&
        chain.front()->down_revision == head) {
        return -1;
    }
    return std::nullopt;
}

bool checksums_match(const RevisionGraph& graph, const Project& project,
                     const SnapshotFile& snapshot) {
    for (const ReplacedRevision& replaced : snapshot.replaces) {
        const RevisionFile* revision = graph.find(replaced.revision);
        if (revision != nullptr && upgrade_checksum(project.sql(*revision)) != replaced.checksum) {
            return false;
        }
    }
    return true;
}

} // namespace

ReplacedRevisions replaced_revisions(const std::vector<SnapshotFile>& snapshots) {
    ReplacedRevisions out;
    for (const SnapshotFile& snapshot : snapshots) {
        for (const ReplacedRevision& replaced : snapshot.replaces) {
            out[replaced.revision] = ReplacedBy{replaced.branch, snapshot.name};
        }
    }
    return out;
}

const SnapshotFile* usable_snapshot(const RevisionGraph& graph, const Project& project,
                                    const std::vector<SnapshotFile>& snapshots,
                                    const std::vector<BranchTarget>& targets) {
    for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
        const SnapshotFile& snapshot = *it;
        bool usable = checksums_match(graph, project, snapshot);
        for (Branch branch : k_branches) {
            auto at = head_index(graph, branch, snapshot.head(branch));
            long wanted = -1;
            for (const BranchTarget& target : targets) {
                if (target.branch == branch && target.revision) {
                    const RevisionFile* revision = graph.find(*target.revision);
                    if (revision != nullptr) {
                        wanted =
                            std::max(wanted, static_cast<long>(graph.position_in_chain(*revision)));
                    }
                }
            }
            bool targeted = false;
            for (const BranchTarget& target : targets) {
                targeted = targeted || target.branch == branch;
            }
            usable = usable && at &&
                     (!snapshot.head(branch) || (targeted && (*at == -1 || *at <= wanted)));
        }
        if (usable) {
            return &snapshot;
        }
    }
    return nullptr;
}

std::vector<BranchTarget> snapshot_targets(const SnapshotFile& snapshot) {
    std::vector<BranchTarget> targets;
    for (Branch branch : k_branches) {
        targets.push_back({branch, snapshot.head(branch)});
    }
    return targets;
}

} // namespace ecluse
