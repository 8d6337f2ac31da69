#include "graph/snapshots.hpp"

#include "util/error.hpp"

#include <algorithm>

namespace ecluse {

namespace {

// The chain index of a snapshot's head in its branch: -1 for an empty
// branch or a head whose file is gone (what the branch's files stand on);
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
    if (graph.replaced(*head) != nullptr && graph.snapshot_base(branch) == head) {
        return -1;
    }
    return std::nullopt;
}

// Whether an empty database can start from `snapshot` on its way to
// `targets`, its checksums aside.
bool fits(const RevisionGraph& graph, const SnapshotFile& snapshot,
          const std::vector<BranchTarget>& targets) {
    for (Branch branch : k_branches) {
        auto at = head_index(graph, branch, snapshot.head(branch));
        long wanted = -1;
        bool targeted = false;
        for (const BranchTarget& target : targets) {
            if (target.branch != branch) {
                continue;
            }
            targeted = true;
            if (const RevisionFile* revision =
                    target.revision ? graph.find(*target.revision) : nullptr) {
                wanted = std::max(wanted, static_cast<long>(graph.position_in_chain(*revision)));
            }
        }
        if (!at || (snapshot.head(branch) && !(targeted && (*at == -1 || *at <= wanted)))) {
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
            out[replaced.revision] =
                ReplacedBy{replaced.branch, snapshot.name,
                           snapshot.head(replaced.branch) == replaced.revision};
        }
    }
    return out;
}

std::vector<const RevisionFile*> changed_since(const RevisionGraph& graph, const Project& project,
                                               const SnapshotFile& snapshot) {
    std::vector<const RevisionFile*> changed;
    for (const ReplacedRevision& replaced : snapshot.replaces) {
        const RevisionFile* revision = graph.find(replaced.revision);
        if (revision != nullptr && upgrade_checksum(project.sql(*revision)) != replaced.checksum) {
            changed.push_back(revision);
        }
    }
    return changed;
}

std::string changed_revision_hint(const SnapshotFile& snapshot) {
    return "if the change is meant, delete " + snapshot.path +
           " and take the snapshot again with `ecluse snapshot`; if not, restore the revision as "
           "the snapshot recorded it from git";
}

const SnapshotFile* usable_snapshot(const RevisionGraph& graph, const Project& project,
                                    const std::vector<SnapshotFile>& snapshots,
                                    const std::vector<BranchTarget>& targets) {
    for (auto it = snapshots.rbegin(); it != snapshots.rend(); ++it) {
        if (!fits(graph, *it, targets)) {
            continue;
        }
        std::vector<const RevisionFile*> changed = changed_since(graph, project, *it);
        if (!changed.empty()) {
            // Replaying the history instead would give another schema than
            // the databases made from the snapshot have: neither is chosen
            // in silence.
            throw CheckFailed("snapshot " + it->name + " replaces " + changed.front()->revision +
                                  " (" + changed.front()->path +
                                  "), which changed after the snapshot was "
                                  "taken" +
                                  (changed.size() > 1
                                       ? " (and " + std::to_string(changed.size() - 1) + " more)"
                                       : "") +
                                  ": an empty database cannot start from it, nor replay around it",
                              changed_revision_hint(*it) +
                                  ". `ecluse check --verify-snapshots` lists every such revision");
        }
        return &*it;
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
