#include "graph/plan.hpp"

#include "util/error.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <set>

namespace ecluse {

namespace {

// A position on a revision that a snapshot replaced and whose file is gone:
// base of what remains when it is the parent of the branch's first file,
// else the database is too old for the files that remain.
long replaced_position_index(const RevisionGraph& graph, const std::string& at, Branch branch) {
    const auto& chain = graph.chain(branch);
    if (chain.empty() || chain.front()->down_revision == at) {
        return -1;
    }
    const RevisionFile& first = *chain.front();
    std::string needed = first.down_revision.value_or("none");
    const ReplacedBy* snapshot = first.down_revision ? graph.replaced(needed) : nullptr;
    std::string name = snapshot != nullptr ? snapshot->snapshot : graph.replaced(at)->snapshot;
    throw CheckFailed(
        "the database's " + std::string(branch_name(branch)) + " position is " + at +
            ", older than the revision files that remain: the revisions after it up to " + needed +
            " were deleted once snapshot " + name + " replaced them",
        "this database needs the history that snapshot " + name +
            " stands for: restore the deleted revision files from git history, upgrade past " +
            needed +
            ", then delete them again; or recreate the database empty, which starts "
            "from the snapshot");
}

// The chain index of the database's position in a branch; -1 at base.
long position_index(const RevisionGraph& graph, const Position& position, Branch branch) {
    const auto& at = position[branch];
    if (!at) {
        return -1;
    }
    const RevisionFile* revision = graph.find(*at);
    if (revision == nullptr && graph.replaced(*at) != nullptr) {
        return replaced_position_index(graph, *at, branch);
    }
    if (revision == nullptr) {
        throw UsageError("the database's " + std::string(branch_name(branch)) + " position is " +
                             *at + ", a revision that is not among the revision files",
                         "it was applied from another line of work: `ecluse status` lists orphans, "
                         "`ecluse downgrade --orphans` undoes them");
    }
    return static_cast<long>(graph.position_in_chain(*revision));
}

long target_index(const RevisionGraph& graph, const BranchTarget& target) {
    return target.revision
               ? static_cast<long>(graph.position_in_chain(*graph.find(*target.revision)))
               : -1;
}

std::size_t branch_index(Branch branch) {
    return branch == Branch::pre ? 0 : 1;
}

} // namespace

std::vector<OutOfOrder> find_out_of_order(const RevisionGraph& graph, const Position& position,
                                          const std::unordered_set<std::string_view>& applied) {
    std::vector<OutOfOrder> holes;
    for (Branch branch : k_branches) {
        const auto& at = position[branch];
        const RevisionFile* top = at ? graph.find(*at) : nullptr;
        if (top == nullptr) {
            continue; // at base, or on an orphan or a replaced revision: nothing below on disk
        }
        const auto& chain = graph.chain(branch);
        for (std::size_t i = 0; i < graph.position_in_chain(*top); ++i) {
            if (applied.count(chain[i]->revision) == 0) {
                holes.push_back({chain[i], *at});
            }
        }
    }
    return holes;
}

std::vector<Diagnostic> out_of_order_problems(const RevisionGraph& graph,
                                              const std::vector<OutOfOrder>& holes,
                                              const std::vector<Branch>& branches,
                                              const std::string& command) {
    std::vector<Diagnostic> problems;
    for (const OutOfOrder& hole : holes) {
        const RevisionFile& revision = *hole.revision;
        if (std::find(branches.begin(), branches.end(), revision.branch) == branches.end()) {
            continue;
        }
        std::string name(branch_name(revision.branch));
        std::string parent = revision.down_revision.value_or(name + "@base");
        if (graph.find(parent) == nullptr && revision.down_revision) {
            parent = name + "@base"; // replaced by a snapshot
        }
        problems.push_back(
            {SourceLocation{revision.path},
             "revision " + revision.revision + " (" + name + ", " + revision.message +
                 ") is not applied, but " + hole.after +
                 ", after it in the chain, is: it is out of order (a merge put it below "
                 "revisions this database already has)",
             "apply it now, after them: `ecluse " + command +
                 " --out-of-order` (or out_of_order = true in ecluse.toml's [migrate] table); or "
                 "undo back to before it, then apply in order: `ecluse downgrade " +
                 parent + "`, then `ecluse " + command + "`",
             false});
    }
    return problems;
}

std::vector<Step> plan_upgrade(const RevisionGraph& graph, const Position& position,
                               const std::vector<BranchTarget>& targets,
                               const std::vector<OutOfOrder>& out_of_order) {
    long current[2] = {position_index(graph, position, Branch::pre),
                       position_index(graph, position, Branch::post)};
    long wanted[2] = {current[0], current[1]};
    for (const BranchTarget& target : targets) {
        long& want = wanted[branch_index(target.branch)];
        want = std::max(want, target_index(graph, target));
    }
    std::map<const RevisionFile*, std::string> reasons;
    // Pull in what planned revisions depend on, until nothing changes.
    for (bool changed = true; changed;) {
        changed = false;
        for (Branch branch : k_branches) {
            const auto& chain = graph.chain(branch);
            for (long i = current[branch_index(branch)] + 1; i <= wanted[branch_index(branch)];
                 ++i) {
                const RevisionFile* revision = chain[static_cast<std::size_t>(i)];
                for (const std::string& id : revision->depends_on) {
                    if (graph.find(id) == nullptr) {
                        continue; // replaced by a snapshot: applied before the position
                    }
                    const RevisionFile& dependency = *graph.find(id);
                    long index = static_cast<long>(graph.position_in_chain(dependency));
                    long& want = wanted[branch_index(dependency.branch)];
                    if (index > want) {
                        const auto& other = graph.chain(dependency.branch);
                        for (long j = want + 1; j <= index; ++j) {
                            reasons.emplace(other[static_cast<std::size_t>(j)],
                                            "needed by " + revision->revision + " (depends_on)");
                        }
                        want = index;
                        changed = true;
                    }
                }
            }
        }
    }
    std::set<const RevisionFile*> chosen;
    for (Branch branch : k_branches) {
        const auto& chain = graph.chain(branch);
        for (long i = current[branch_index(branch)] + 1; i <= wanted[branch_index(branch)]; ++i) {
            chosen.insert(chain[static_cast<std::size_t>(i)]);
        }
    }
    for (const OutOfOrder& hole : out_of_order) {
        bool targeted = std::any_of(targets.begin(), targets.end(), [&](const BranchTarget& t) {
            return t.branch == hole.revision->branch;
        });
        if (targeted && chosen.insert(hole.revision).second) {
            reasons.emplace(hole.revision,
                            "out of order: " + hole.after + ", after it, is applied");
        }
    }
    std::vector<Step> steps;
    for (const RevisionFile* revision : graph.topological_order()) {
        if (chosen.count(revision) != 0) {
            auto reason = reasons.find(revision);
            steps.push_back({revision, Direction::upgrade,
                             reason == reasons.end() ? std::string() : reason->second});
        }
    }
    return steps;
}

std::vector<Step>
plan_downgrade(const RevisionGraph& graph, const Position& position,
               const std::vector<BranchTarget>& targets,
               const std::map<std::string, std::vector<std::string>>& applied_depends_on) {
    std::set<std::string> undone;
    std::set<const RevisionFile*> chosen;
    for (const BranchTarget& target : targets) {
        long current = position_index(graph, position, target.branch);
        const auto& chain = graph.chain(target.branch);
        for (long i = target_index(graph, target) + 1; i <= current; ++i) {
            chosen.insert(chain[static_cast<std::size_t>(i)]);
            undone.insert(chain[static_cast<std::size_t>(i)]->revision);
        }
    }
    std::vector<std::string> blockers;
    for (const auto& [revision, dependencies] : applied_depends_on) {
        if (undone.count(revision) != 0) {
            continue;
        }
        for (const std::string& dependency : dependencies) {
            if (undone.count(dependency) != 0) {
                blockers.push_back(revision + " depends on " + dependency);
            }
        }
    }
    if (!blockers.empty()) {
        throw CheckFailed("cannot undo revisions that applied revisions still depend on: " +
                              join(blockers, "; "),
                          "downgrade the dependent revisions first (for example `ecluse downgrade "
                          "post@base`), then this one; nothing was changed");
    }
    std::vector<Step> steps;
    auto order = graph.topological_order();
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
        if (chosen.count(*it) != 0) {
            steps.push_back({*it, Direction::downgrade, {}});
        }
    }
    return steps;
}

void require_upgrade_targets(const RevisionGraph& graph, const Position& position,
                             const std::vector<BranchTarget>& targets, const std::string& spec) {
    for (const BranchTarget& target : targets) {
        long current = position_index(graph, position, target.branch);
        if (target_index(graph, target) < current) {
            std::string name(branch_name(target.branch));
            throw UsageError("cannot upgrade to " + quote_value(spec) + ": " + name + " is at " +
                                 *position[target.branch] + ", above " +
                                 target.revision.value_or(name + "@base") +
                                 "; upgrade never undoes revisions",
                             "to undo revisions down to it, run `ecluse downgrade " + spec + "`");
        }
    }
}

} // namespace ecluse
