#pragma once

// Revision specifiers, Alembic's grammar (docs/commands.md):
// `a1b2c3d4e5f6`, `a1b2`, `pre@head`, `heads`, `post@base`, `base`,
// `pre@-1`, `post@+2`, `a1b2+1`, `a1b2-2`, and `FROM:TO` ranges.

#include "graph/revision_graph.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

// Where a database stands in each branch: the last applied revision, or
// nullopt at base. The database side supplies it; graph logic only reads it.
using Position = BranchRevisions;

struct Specifier {
    enum class Kind {
        revision,        // `a1b2` (+/- offset optional)
        branch_head,     // `pre@head`
        branch_base,     // `pre@base`
        branch_relative, // `pre@-1`: relative to the database's position
        heads,           // `heads`
        base,            // `base`
    };
    Kind kind = Kind::heads;
    Branch branch = Branch::pre; // for branch_* kinds
    std::string prefix;          // for revision
    int offset = 0;              // for revision and branch_relative
    std::string text;            // as the user wrote it
};

// Throws UsageError (exit 2) with the grammar in its hint; `head` alone is
// refused as ambiguous.
Specifier parse_specifier(std::string_view text);

// Where one branch should be: at a revision, or at base (nullopt).
struct BranchTarget {
    Branch branch;
    std::optional<std::string> revision;

    bool operator==(const BranchTarget&) const = default;
};

// The branches a specifier speaks of, pre first; a branch it does not name
// is absent. `position` is needed only for `pre@-1`-style specifiers
// (UsageError when absent). Throws UsageError for an unknown or ambiguous
// revision and for an offset past either end of a branch. Requires a
// valid graph.
std::vector<BranchTarget> resolve(const Specifier& specifier, const RevisionGraph& graph,
                                  const std::optional<Position>& position = std::nullopt);

// The one revision a specifier names (`show`, `--depends-on`, `rebase`);
// UsageError when it names a base, or several revisions.
const RevisionFile& resolve_revision(std::string_view text, const RevisionGraph& graph,
                                     const std::optional<Position>& position = std::nullopt);

// `FROM:TO`, either side optional (`:pre@head`, `a1b2:`); a single
// specifier is TO. FROM defaults to base, TO to heads.
struct Range {
    std::optional<Specifier> from;
    std::optional<Specifier> to;
};
Range parse_range(std::string_view text);

// The revisions of a range, for `history`, in topological order, oldest
// first: in each branch that both sides speak of (an omitted side speaks of
// both), from FROM up to TO, both inclusive. UsageError when FROM comes after
// TO, or when the two sides name different branches (`pre@base:post@head`).
std::vector<const RevisionFile*>
revisions_in_range(const Range& range, const RevisionGraph& graph,
                   const std::optional<Position>& position = std::nullopt);

} // namespace ecluse
