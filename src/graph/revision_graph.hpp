#pragma once

// The revision graph on disk: one chain per branch, `depends_on` links
// across branches. A pure value: built from parsed files, no database.

#include "script/revision_file.hpp"
#include "util/error.hpp"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ecluse {

// A revision whose file was deleted after a snapshot replaced it: the
// first remaining revision of a branch may still revise it.
struct ReplacedBy {
    Branch branch = Branch::pre;
    std::string snapshot; // the newest snapshot file that replaces it
    bool head = false;    // that snapshot's head of its branch
};
using ReplacedRevisions = std::map<std::string, ReplacedBy, std::less<>>;

class RevisionGraph {
public:
    // Builds the graph from headers (their sections' text is neither needed
    // nor read) and validates it; it never changes afterwards. Problems (duplicate ids, unknown or
    // cross-branch parents, unknown dependencies, cycles, two heads in a
    // branch) are recorded, not thrown: `check` reports them all.
    // `replaced` names the revisions that snapshots replace; those without
    // a file may be the parent or a dependency of a revision on disk.
    explicit RevisionGraph(std::vector<RevisionFile> revisions, ReplacedRevisions replaced = {});
    // The same on revisions shared with their owner (Project::shared_headers),
    // which must not change them: the graph holds them without a copy.
    static RevisionGraph sharing(std::shared_ptr<const std::vector<RevisionFile>> revisions,
                                 ReplacedRevisions replaced = {});
    // Moved, never copied: a graph is built once per run.
    RevisionGraph(RevisionGraph&&) = default;
    RevisionGraph& operator=(RevisionGraph&&) = default;
    RevisionGraph(const RevisionGraph&) = delete;
    RevisionGraph& operator=(const RevisionGraph&) = delete;

    const std::vector<Diagnostic>& problems() const { return m_problems; }
    bool valid() const { return m_problems.empty(); }
    // Throws CheckFailed (exit 1) listing every problem.
    void require_valid() const;

    const std::vector<RevisionFile>& revisions() const { return *m_revisions; }
    std::size_t size() const { return m_revisions->size(); }

    // The revision with exactly this id, or nullptr.
    const RevisionFile* find(std::string_view id) const;
    // Every revision whose id starts with `prefix`.
    std::vector<const RevisionFile*> find_prefix(std::string_view prefix) const;

    // The revisions of a branch that no other revision of it revises.
    // Exactly one in a valid, non-empty branch.
    const std::vector<const RevisionFile*>& heads(Branch branch) const {
        return m_heads[index(branch)];
    }
    // A revision replaced by a snapshot whose file is gone, or nullptr.
    const ReplacedBy* replaced(std::string_view id) const;
    // Every such revision.
    const ReplacedRevisions& replaced_all() const { return m_replaced; }
    // The revision a branch's files stand on when the history below them
    // was deleted after a snapshot: the parent of the chain's first
    // revision, or, for a branch whose files are all gone, the newest
    // snapshot's head of it. nullopt when the branch's history is whole.
    // Requires a valid graph.
    std::optional<std::string> snapshot_base(Branch branch) const;

    // The single head of a branch (nullopt for an empty branch). Requires
    // a valid graph.
    std::optional<std::string> head(Branch branch) const;

    // The branch from its first revision to its head. Requires a valid graph.
    const std::vector<const RevisionFile*>& chain(Branch branch) const {
        return m_chains[index(branch)];
    }
    // 0-based place of a revision in its branch's chain. Requires a valid graph.
    std::size_t position_in_chain(const RevisionFile& revision) const;

    // Every revision after its parent and its dependencies; among those
    // free to go, the earliest `created` first, then pre before post.
    // Requires a valid graph.
    std::vector<const RevisionFile*> topological_order() const;

private:
    struct Shared {}; // keeps a braced list of revisions from meaning a shared_ptr
    RevisionGraph(Shared, std::shared_ptr<const std::vector<RevisionFile>> revisions,
                  ReplacedRevisions replaced);
    static std::size_t index(Branch branch) { return branch == Branch::pre ? 0 : 1; }
    void check_links();
    void check_cycles();
    void find_heads();
    // The revision m_revisions[i] revises, when it is on disk.
    const RevisionFile* parent_of(std::size_t i) const;
    // False when the revision's down_revision is unknown or in the other branch.
    bool has_parent_in_branch(std::size_t i) const;
    void build_chains();

    std::shared_ptr<const std::vector<RevisionFile>> m_revisions;
    ReplacedRevisions m_replaced;
    // By index in m_revisions, small enough to stay in cache:
    static constexpr std::uint32_t k_not_found = 0xffffffff;
    static constexpr std::uint32_t k_no_parent = k_not_found;          // the branch's first
    static constexpr std::uint32_t k_unknown_parent = k_not_found - 1; // not on disk
    // The index of the revision with this id, or k_not_found.
    std::uint32_t index_of(std::string_view id) const;
    // Ids to their index; of equal ids, the first one keeps it (m_first[i]).
    std::unordered_map<std::string_view, std::uint32_t> m_by_id;
    std::vector<std::uint32_t> m_first;
    std::vector<std::uint32_t> m_parent; // the parent's index, or one of the two above
    std::vector<Branch> m_branch;
    // Each revision's depends_on resolved (k_not_found: not on disk):
    // m_dependencies[m_dependency_offsets[i] .. m_dependency_offsets[i + 1]).
    std::vector<std::uint32_t> m_dependency_offsets;
    std::vector<std::uint32_t> m_dependencies;
    std::vector<Diagnostic> m_problems;
    std::array<std::vector<const RevisionFile*>, 2> m_heads;
    std::array<std::vector<const RevisionFile*>, 2> m_chains;
    std::vector<std::size_t> m_chain_position; // by index in m_revisions
};

} // namespace ecluse
