#include "graph/rebase.hpp"

#include "util/error.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <functional>
#include <map>

namespace ecluse {

namespace {

// The revisions of one branch, by id, with who revises whom.
struct BranchView {
    std::map<std::string, const RevisionFile*> by_id;
    std::map<std::string, std::vector<const RevisionFile*>> children;

    BranchView(const std::vector<RevisionFile>& revisions, Branch branch,
               const std::function<bool(const RevisionFile&)>& keep) {
        for (const RevisionFile& revision : revisions) {
            if (revision.branch == branch && keep(revision)) {
                by_id[revision.revision] = &revision;
            }
        }
        for (const auto& [id, revision] : by_id) {
            if (revision->down_revision && by_id.count(*revision->down_revision) != 0) {
                children[*revision->down_revision].push_back(revision);
            }
        }
    }

    std::vector<const RevisionFile*> heads() const {
        std::vector<const RevisionFile*> out;
        for (const auto& [id, revision] : by_id) {
            if (children.count(id) == 0) {
                out.push_back(revision);
            }
        }
        return out;
    }

    // The last revision of the line of work that starts at `start`.
    const RevisionFile& tip(const RevisionFile& start) const {
        const RevisionFile* at = &start;
        while (true) {
            auto it = children.find(at->revision);
            if (it == children.end()) {
                return *at;
            }
            if (it->second.size() > 1) {
                throw CheckFailed("the new revisions fork after " + at->revision + " (" + at->path +
                                      "): " + it->second[0]->revision + " and " +
                                      it->second[1]->revision + " both revise it",
                                  "put one on top of the other first: `ecluse rebase " +
                                      it->second[1]->revision + " --onto " +
                                      it->second[0]->revision + "`");
            }
            at = it->second.front();
        }
    }
};

bool created_before(const RevisionFile* a, const RevisionFile* b) {
    return std::tie(a->created, a->revision) < std::tie(b->created, b->revision);
}

} // namespace

std::vector<Rechain> plan_rebase(const std::vector<RevisionFile>& revisions,
                                 const std::set<std::string>& upstream_paths, bool single_line) {
    std::vector<Rechain> edits;
    for (Branch branch : k_branches) {
        auto is_upstream = [&](const RevisionFile& r) { return upstream_paths.count(r.path) != 0; };
        BranchView upstream(revisions, branch, is_upstream);
        BranchView mine(revisions, branch, [&](const RevisionFile& r) { return !is_upstream(r); });
        auto upstream_heads = upstream.heads();
        if (upstream_heads.size() > 1) {
            throw CheckFailed(
                "the upstream side itself has " + std::to_string(upstream_heads.size()) +
                    " heads in " + std::string(branch_name(branch)) + ": " +
                    upstream_heads[0]->revision + " and " + upstream_heads[1]->revision,
                "fix the upstream branch first, then rebase on it again");
        }
        // Each line of work of this side starts with a revision whose parent
        // is not one of its own.
        std::vector<const RevisionFile*> starts;
        for (const auto& [id, revision] : mine.by_id) {
            if (!revision->down_revision || mine.by_id.count(*revision->down_revision) == 0) {
                starts.push_back(revision);
            }
        }
        std::sort(starts.begin(), starts.end(), created_before);
        if (single_line && starts.size() > 1) {
            const RevisionFile& first = mine.tip(*starts[0]);
            const RevisionFile& second = *starts[1];
            throw CheckFailed("two lines of work in " + std::string(branch_name(branch)) +
                                  " are not on the integration branch yet: one starts at " +
                                  starts[0]->revision + " (" + starts[0]->path +
                                  "), the other at " + second.revision + " (" + second.path +
                                  "); ecluse cannot tell which one databases already have, so it "
                                  "moves neither",
                              "say which goes on top: `ecluse rebase " + second.revision +
                                  " --onto " + first.revision +
                                  "` (a database that has the moved one then lists the other "
                                  "as out of order)");
        }
        std::optional<std::string> tip;
        if (!upstream_heads.empty()) {
            tip = upstream_heads.front()->revision;
        }
        for (const RevisionFile* start : starts) {
            if (tip && start->down_revision != tip) {
                edits.push_back({start->revision, start->path, start->down_revision, *tip});
            }
            tip = mine.tip(*start).revision;
        }
    }
    return edits;
}

std::vector<Rechain> plan_rebase_onto(const std::vector<RevisionFile>& revisions,
                                      const RevisionFile& revision, const RevisionFile& onto) {
    if (revision.revision == onto.revision) {
        throw UsageError("cannot rebase " + revision.revision + " onto itself");
    }
    if (revision.branch != onto.branch) {
        throw UsageError(revision.revision + " is in " + std::string(branch_name(revision.branch)) +
                             " but " + onto.revision + " is in " +
                             std::string(branch_name(onto.branch)),
                         "each branch is one chain: rebase onto a revision of the same branch");
    }
    std::map<std::string, const RevisionFile*> by_id;
    for (const RevisionFile& r : revisions) {
        by_id[r.revision] = &r;
    }
    // ONTO must not descend from REV, or the chain would loop.
    for (const RevisionFile* at = &onto; at != nullptr;) {
        if (at->revision == revision.revision) {
            throw UsageError(onto.revision + " already comes after " + revision.revision,
                             "rebase the later revision onto the earlier one instead");
        }
        auto parent = at->down_revision ? by_id.find(*at->down_revision) : by_id.end();
        at = parent == by_id.end() ? nullptr : parent->second;
    }
    if (revision.down_revision == onto.revision) {
        return {};
    }
    return {{revision.revision, revision.path, revision.down_revision, onto.revision}};
}

std::vector<RevisionFile> apply_rechains(std::vector<RevisionFile> revisions,
                                         const std::vector<Rechain>& edits) {
    for (RevisionFile& revision : revisions) {
        for (const Rechain& edit : edits) {
            if (edit.path == revision.path && edit.revision == revision.revision) {
                revision.down_revision = edit.new_parent;
            }
        }
    }
    return revisions;
}

} // namespace ecluse
