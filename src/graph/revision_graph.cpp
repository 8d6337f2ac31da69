#include "graph/revision_graph.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <iterator>
#include <numeric>
#include <set>
#include <stdexcept>

namespace ecluse {

namespace {

std::string describe(const RevisionFile& revision) {
    return revision.revision + " (" + revision.path + ")";
}

// The first revision of the line of work that ends at `head` and is not
// shared with `other`'s ancestry: the one to put on top of `other`. Stops at
// unknown parents and at cycles.
const RevisionFile& line_start(const RevisionGraph& graph, const RevisionFile& head,
                               const RevisionFile& other) {
    std::set<std::string_view> shared;
    for (const RevisionFile* at = &other; at != nullptr && shared.insert(at->revision).second;
         at = at->down_revision ? graph.find(*at->down_revision) : nullptr) {
    }
    const RevisionFile* start = &head;
    std::set<std::string_view> seen{head.revision};
    while (start->down_revision) {
        const RevisionFile* parent = graph.find(*start->down_revision);
        if (parent == nullptr || shared.count(parent->revision) != 0 ||
            !seen.insert(parent->revision).second) {
            break;
        }
        start = parent;
    }
    return *start;
}

} // namespace

RevisionGraph::RevisionGraph(std::vector<RevisionFile> revisions, ReplacedRevisions replaced)
    : RevisionGraph(Shared{},
                    std::make_shared<const std::vector<RevisionFile>>(std::move(revisions)),
                    std::move(replaced)) {}

RevisionGraph RevisionGraph::sharing(std::shared_ptr<const std::vector<RevisionFile>> revisions,
                                     ReplacedRevisions replaced) {
    return RevisionGraph(Shared{}, std::move(revisions), std::move(replaced));
}

RevisionGraph::RevisionGraph(Shared, std::shared_ptr<const std::vector<RevisionFile>> revisions,
                             ReplacedRevisions replaced)
    : m_revisions(std::move(revisions)), m_replaced(std::move(replaced)) {
    // Two passes over the revisions, which are large and far apart in
    // memory; the checks after them read the small arrays built here.
    std::size_t count = m_revisions->size();
    m_branch.reserve(count);
    m_by_id.reserve(count);
    m_first.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        m_branch.push_back((*m_revisions)[i].branch);
        // Of equal ids, the first one keeps it.
        auto [at, inserted] =
            m_by_id.emplace((*m_revisions)[i].revision, static_cast<std::uint32_t>(i));
        m_first.push_back(at->second);
    }
    m_parent.assign(count, k_no_parent);
    m_dependency_offsets.assign(count + 1, 0);
    for (std::size_t i = 0; i < count; ++i) {
        const RevisionFile& revision = (*m_revisions)[i];
        if (revision.down_revision) {
            std::uint32_t parent = index_of(*revision.down_revision);
            m_parent[i] = parent == k_not_found ? k_unknown_parent : parent;
        }
        for (const std::string& dependency : revision.depends_on) {
            m_dependencies.push_back(index_of(dependency));
        }
        m_dependency_offsets[i + 1] = static_cast<std::uint32_t>(m_dependencies.size());
        std::uint32_t existing = m_first[i];
        if (existing != i) {
            const RevisionFile& first = (*m_revisions)[existing];
            m_problems.push_back(
                {SourceLocation{revision.path, revision.revision_line},
                 "revision " + revision.revision + " is also defined in " + first.path,
                 "ids must be unique across both branches: give one of them a new id "
                 "(12 random lowercase hex characters) and update whatever revises it",
                 false});
        }
    }
    for (auto it = m_replaced.begin(); it != m_replaced.end();) {
        it = m_by_id.contains(it->first) ? m_replaced.erase(it) : std::next(it);
    }
    check_links();
    check_cycles();
    find_heads();
    if (valid()) {
        build_chains();
    }
}

void RevisionGraph::check_links() {
    for (std::size_t i = 0; i < m_revisions->size(); ++i) {
        std::uint32_t parent_index = m_parent[i];
        bool parent_ok = parent_index == k_no_parent || (parent_index != k_unknown_parent &&
                                                         m_branch[parent_index] == m_branch[i]);
        if (!parent_ok) {
            const RevisionFile& revision = (*m_revisions)[i];
            const RevisionFile* parent = parent_of(i);
            SourceLocation where{revision.path, revision.down_revision_line};
            const ReplacedBy* snapshot = replaced(*revision.down_revision);
            if (parent == nullptr && snapshot != nullptr && snapshot->branch == revision.branch) {
                // The first revision kept after a snapshot: its parent's file is gone.
            } else if (parent == nullptr) {
                m_problems.push_back(
                    {where, "down_revision " + *revision.down_revision + " is not a known revision",
                     "is its file missing from migrations/" +
                         std::string(branch_name(revision.branch)) +
                         "? Otherwise point down_revision at the branch's previous revision",
                     false});
            } else {
                m_problems.push_back(
                    {where,
                     "down_revision " + parent->revision + " is in " +
                         std::string(branch_name(parent->branch)) + " (" + parent->path +
                         "), but this revision is in " + std::string(branch_name(revision.branch)),
                     "each branch is one chain: revise a revision of the same folder, and use "
                     "`depends_on` for an order across branches",
                     false});
            }
        }
        for (std::uint32_t k = m_dependency_offsets[i]; k < m_dependency_offsets[i + 1]; ++k) {
            std::uint32_t target = m_dependencies[k];
            if (target != k_not_found && target != m_first[i]) {
                continue; // a revision on disk, not this one
            }
            const RevisionFile& revision = (*m_revisions)[i];
            const std::string& dependency = revision.depends_on[k - m_dependency_offsets[i]];
            SourceLocation where{revision.path, revision.depends_on_line};
            if (target != k_not_found) {
                m_problems.push_back({where, "revision " + dependency + " depends on itself",
                                      "remove it from depends_on", false});
            } else if (replaced(dependency) == nullptr) {
                m_problems.push_back(
                    {where, "depends_on names " + dependency + ", which is not a known revision",
                     "is its file missing? Otherwise remove it from depends_on", false});
            }
        }
    }
}

void RevisionGraph::check_cycles() {
    // Prerequisites of each revision, flat: its parent, then its
    // dependencies (offsets[i] to offsets[i + 1] in `targets`).
    std::vector<std::size_t> offsets(m_revisions->size() + 1, 0);
    std::vector<std::uint32_t> targets;
    targets.reserve(m_revisions->size());
    for (std::size_t i = 0; i < m_revisions->size(); ++i) {
        if (parent_of(i) != nullptr) {
            targets.push_back(m_parent[i]);
        }
        for (std::uint32_t k = m_dependency_offsets[i]; k < m_dependency_offsets[i + 1]; ++k) {
            if (std::uint32_t at = m_dependencies[k]; at != k_not_found && at != i) {
                targets.push_back(at);
            }
        }
        offsets[i + 1] = targets.size();
    }
    enum class State : char { unvisited, on_path, done };
    std::vector<State> state(m_revisions->size(), State::unvisited);
    // The current walk: each step's revision and how many of its
    // prerequisites are left to visit (the last one first).
    std::vector<std::pair<std::size_t, std::size_t>> path;
    for (std::size_t start = 0; start < m_revisions->size(); ++start) {
        if (state[start] != State::unvisited) {
            continue;
        }
        // Iterative depth-first search.
        path.push_back({start, offsets[start + 1] - offsets[start]});
        state[start] = State::on_path;
        while (!path.empty()) {
            auto& [node, left] = path.back();
            if (left == 0) {
                state[node] = State::done;
                path.pop_back();
                continue;
            }
            std::size_t child = targets[offsets[node] + --left];
            if (state[child] == State::unvisited) {
                state[child] = State::on_path;
                path.push_back({child, offsets[child + 1] - offsets[child]});
            } else if (state[child] == State::on_path) {
                std::vector<std::string> members;
                auto cycle_start = std::find_if(path.begin(), path.end(), [&](const auto& step) {
                    return step.first == child;
                });
                for (auto it = cycle_start; it != path.end(); ++it) {
                    members.push_back(describe((*m_revisions)[it->first]));
                }
                members.push_back((*m_revisions)[child].revision);
                // Point at the line that links the cycle's first revision to
                // the next one: its down_revision or its depends_on.
                const RevisionFile& first = (*m_revisions)[child];
                const RevisionFile& second = (*m_revisions)[std::next(cycle_start) == path.end()
                                                                ? child
                                                                : std::next(cycle_start)->first];
                int line = first.down_revision == second.revision ? first.down_revision_line
                                                                  : first.depends_on_line;
                m_problems.push_back(
                    {SourceLocation{first.path, line},
                     "cycle: " + join(members, " -> ") + " (each revises or depends on the next)",
                     "break the cycle by pointing one down_revision or "
                     "depends_on at an older revision",
                     false});
            }
        }
    }
}

const RevisionFile* RevisionGraph::parent_of(std::size_t i) const {
    std::uint32_t parent = m_parent[i];
    return parent == k_no_parent || parent == k_unknown_parent ? nullptr : &(*m_revisions)[parent];
}

bool RevisionGraph::has_parent_in_branch(std::size_t i) const {
    std::uint32_t parent = m_parent[i];
    if (parent == k_no_parent) {
        return true;
    }
    if (parent == k_unknown_parent) {
        const ReplacedBy* snapshot = replaced(*(*m_revisions)[i].down_revision);
        return snapshot != nullptr && snapshot->branch == m_branch[i];
    }
    return m_branch[parent] == m_branch[i];
}

void RevisionGraph::find_heads() {
    for (Branch branch : k_branches) {
        // Only a revision of the same branch makes its parent a non-head: a
        // post revision that wrongly revises a pre one leaves pre's head alone.
        // Revised ids, marked at the index m_by_id gives them (the first
        // revision with that id); unknown ids revise nothing on disk.
        std::vector<char> revised(m_revisions->size(), 0);
        bool links_known = true;
        for (std::size_t i = 0; i < m_revisions->size(); ++i) {
            if (m_branch[i] != branch) {
                continue;
            }
            if (parent_of(i) != nullptr) {
                revised[m_parent[i]] = 1;
            }
            links_known = links_known && has_parent_in_branch(i);
        }
        std::vector<const RevisionFile*>& heads = m_heads[index(branch)];
        for (std::size_t i = 0; i < m_revisions->size(); ++i) {
            if (m_branch[i] == branch && m_first[i] == i && revised[i] == 0) {
                heads.push_back(&(*m_revisions)[i]);
            }
        }
        // With an unknown or cross-branch parent the branch's shape is not
        // known: check_links names the cause, and advising `ecluse rebase`
        // would hide a missing file.
        if (heads.size() < 2 || !links_known) {
            continue;
        }
        std::vector<std::string> names;
        for (const RevisionFile* head : heads) {
            names.push_back(describe(*head));
        }
        const RevisionFile& last = *heads.back();
        std::string parent = last.down_revision.value_or("none");
        bool same_parent = std::all_of(heads.begin(), heads.end(), [&](const RevisionFile* head) {
            return head->down_revision.value_or("none") == parent;
        });
        std::string message = std::string(branch_name(branch)) + " has " +
                              std::to_string(heads.size()) + " heads: " + join(names, ", ");
        if (same_parent) {
            message += parent == "none" ? "; each starts the branch" : "; each revises " + parent;
        }
        m_problems.push_back(
            {SourceLocation{last.path, last.down_revision_line}, message,
             "two lines of work each added a revision: after a git merge or rebase run `ecluse "
             "rebase`; otherwise `ecluse rebase " +
                 line_start(*this, last, *heads.front()).revision + " --onto " +
                 heads.front()->revision + "` puts one on top of the other",
             false});
    }
}

void RevisionGraph::build_chains() {
    for (Branch branch : k_branches) {
        auto& chain = m_chains[index(branch)];
        for (const RevisionFile* at = heads(branch).empty() ? nullptr : heads(branch).front();
             at != nullptr; at = parent_of(static_cast<std::size_t>(at - m_revisions->data()))) {
            chain.push_back(at);
        }
        std::reverse(chain.begin(), chain.end());
        m_chain_position.resize(m_revisions->size(), 0);
        for (std::size_t i = 0; i < chain.size(); ++i) {
            m_chain_position[static_cast<std::size_t>(chain[i] - m_revisions->data())] = i;
        }
    }
}

std::uint32_t RevisionGraph::index_of(std::string_view id) const {
    auto found = m_by_id.find(id);
    return found == m_by_id.end() ? k_not_found : found->second;
}

void RevisionGraph::require_valid() const {
    if (!valid()) {
        throw CheckFailed("the revision graph is not valid", {}, m_problems);
    }
}

std::optional<std::string> RevisionGraph::snapshot_base(Branch branch) const {
    const auto& branch_chain = chain(branch);
    if (!branch_chain.empty()) {
        const auto& parent = branch_chain.front()->down_revision;
        return parent && replaced(*parent) != nullptr ? parent : std::nullopt;
    }
    for (const auto& [id, by] : m_replaced) {
        if (by.branch == branch && by.head) {
            return id;
        }
    }
    return std::nullopt;
}

const ReplacedBy* RevisionGraph::replaced(std::string_view id) const {
    auto it = m_replaced.find(id);
    return it == m_replaced.end() ? nullptr : &it->second;
}

const RevisionFile* RevisionGraph::find(std::string_view id) const {
    std::uint32_t at = index_of(id);
    return at == k_not_found ? nullptr : &(*m_revisions)[at];
}

std::vector<const RevisionFile*> RevisionGraph::find_prefix(std::string_view prefix) const {
    std::vector<const RevisionFile*> matches;
    for (const RevisionFile& revision : *m_revisions) {
        if (std::string_view(revision.revision).substr(0, prefix.size()) == prefix) {
            matches.push_back(&revision);
        }
    }
    return matches;
}

std::optional<std::string> RevisionGraph::head(Branch branch) const {
    const auto& chain = m_chains[index(branch)];
    if (chain.empty()) {
        return std::nullopt;
    }
    return chain.back()->revision;
}

std::size_t RevisionGraph::position_in_chain(const RevisionFile& revision) const {
    const RevisionFile* own = &revision;
    std::less<const RevisionFile*> before;
    if (before(own, m_revisions->data()) ||
        !before(own, m_revisions->data() + m_revisions->size())) {
        own = &m_revisions->at(index_of(revision.revision)); // a copy: find ours
    }
    return m_chain_position.at(static_cast<std::size_t>(own - m_revisions->data()));
}

std::vector<const RevisionFile*> RevisionGraph::topological_order() const {
    // Kahn's algorithm; `ready` is a heap whose top is the earliest, by
    // rank in (created, branch, revision) order.
    std::size_t count = m_revisions->size();
    std::vector<std::uint32_t> rank(count);
    {
        std::vector<std::uint32_t> order(count);
        std::iota(order.begin(), order.end(), 0);
        std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) {
            return std::tie((*m_revisions)[a].created, m_branch[a], (*m_revisions)[a].revision) <
                   std::tie((*m_revisions)[b].created, m_branch[b], (*m_revisions)[b].revision);
        });
        for (std::size_t r = 0; r < count; ++r) {
            rank[order[r]] = static_cast<std::uint32_t>(r);
        }
    }
    auto after = [&rank](std::uint32_t a, std::uint32_t b) { return rank[a] > rank[b]; };
    // Each revision's prerequisites on disk (its parent, its dependencies);
    // one replaced by a snapshot, its file gone, was applied before.
    auto for_each_prerequisite = [this](std::size_t i, auto&& visit) {
        if (parent_of(i) != nullptr) {
            visit(m_parent[i]);
        }
        for (std::uint32_t k = m_dependency_offsets[i]; k < m_dependency_offsets[i + 1]; ++k) {
            if (m_dependencies[k] != k_not_found) {
                visit(m_dependencies[k]);
            }
        }
    };
    // What each revision unblocks, flat: offsets[p] to offsets[p + 1].
    std::vector<std::uint32_t> waiting_on(count, 0);
    std::vector<std::size_t> offsets(count + 1, 0);
    for (std::size_t i = 0; i < count; ++i) {
        for_each_prerequisite(i, [&](std::uint32_t p) {
            ++offsets[p + 1];
            ++waiting_on[i];
        });
    }
    for (std::size_t i = 0; i < count; ++i) {
        offsets[i + 1] += offsets[i];
    }
    std::vector<std::uint32_t> unblocks(offsets[count]);
    std::vector<std::size_t> filled(offsets.begin(), offsets.end() - 1);
    for (std::size_t i = 0; i < count; ++i) {
        for_each_prerequisite(
            i, [&](std::uint32_t p) { unblocks[filled[p]++] = static_cast<std::uint32_t>(i); });
    }
    std::vector<std::uint32_t> ready;
    for (std::size_t i = 0; i < count; ++i) {
        if (waiting_on[i] == 0) {
            ready.push_back(static_cast<std::uint32_t>(i));
        }
    }
    std::make_heap(ready.begin(), ready.end(), after);
    std::vector<const RevisionFile*> order;
    order.reserve(count);
    while (!ready.empty()) {
        std::pop_heap(ready.begin(), ready.end(), after);
        std::uint32_t next = ready.back();
        ready.pop_back();
        order.push_back(&(*m_revisions)[next]);
        for (std::size_t k = offsets[next]; k < offsets[next + 1]; ++k) {
            if (--waiting_on[unblocks[k]] == 0) {
                ready.push_back(unblocks[k]);
                std::push_heap(ready.begin(), ready.end(), after);
            }
        }
    }
    return order;
}

} // namespace ecluse
