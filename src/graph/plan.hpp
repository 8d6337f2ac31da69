#pragma once

// What to run to move a database from where it is to a target: an ordered
// list of steps. Pure: the database side supplies the position and what is
// applied; `--sql` and `deploy --plan` print the same plan.

#include "graph/specifier.hpp"

#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace ecluse {

enum class Direction { upgrade, downgrade };

struct Step {
    const RevisionFile* revision;
    Direction direction;
    // Why it is in the plan when the target alone would not have put it
    // there: "needed by a1b2c3d4e5f6 (depends_on)". Empty otherwise.
    std::string reason;
};

// A revision that is not applied while a later revision of its chain is:
// a merge put another line of work's revision below one a database already
// has (a hole). `after` is the applied revision that stands above it.
struct OutOfOrder {
    const RevisionFile* revision;
    std::string after;
};

// The holes below the database's position, in chain order; `applied` holds
// the id of every applied revision.
std::vector<OutOfOrder> find_out_of_order(const RevisionGraph& graph, const Position& position,
                                          const std::unordered_set<std::string_view>& applied);

// What `upgrade` and `deploy` (named by `command`) refuse for each hole of
// `branches`, with the two ways out.
std::vector<Diagnostic> out_of_order_problems(const RevisionGraph& graph,
                                              const std::vector<OutOfOrder>& holes,
                                              const std::vector<Branch>& branches,
                                              const std::string& command);

// Revisions to apply, each after its parent and its dependencies, to bring
// every targeted branch up to its target. A revision of another branch that
// a planned revision depends on is planned too, with a reason. A target
// below the current position plans nothing for that branch. The holes of
// `out_of_order` in a targeted branch are planned too, saying so. Throws
// UsageError when the database stands on a revision the graph does not
// know (an orphan). Requires a valid graph.
std::vector<Step> plan_upgrade(const RevisionGraph& graph, const Position& position,
                               const std::vector<BranchTarget>& targets,
                               const std::vector<OutOfOrder>& out_of_order = {});

// Revisions to undo, newest first, to bring every targeted branch down to
// its target. `applied_depends_on` maps each applied revision to its
// depends_on (from the database, so that revisions missing from disk count
// too). Throws CheckFailed listing the applied revisions that depend on a
// revision to undo and are not undone themselves: those come first.
std::vector<Step>
plan_downgrade(const RevisionGraph& graph, const Position& position,
               const std::vector<BranchTarget>& targets,
               const std::map<std::string, std::vector<std::string>>& applied_depends_on);

// Refuses (UsageError, exit 2) an upgrade target below the database's
// position in its branch, naming the position and pointing at `downgrade`,
// as Alembic does; `spec` is the target as the user wrote it. A target at
// the position is fine: there is nothing to do.
void require_upgrade_targets(const RevisionGraph& graph, const Position& position,
                             const std::vector<BranchTarget>& targets, const std::string& spec);

} // namespace ecluse
