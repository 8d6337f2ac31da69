#pragma once

// Re-chaining revisions after two lines of work each added revisions on
// top of the same parent: the pure planning part of `ecluse rebase`.

#include "script/revision_file.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ecluse {

// One revision whose down_revision changes.
struct Rechain {
    std::string revision;
    std::string path;
    std::optional<std::string> old_parent;
    std::string new_parent;
};

// Plans the edits that put this side's new revisions on top of the
// upstream's head in each branch. `upstream_paths` are the revision files
// the upstream side has; every other revision is new on this side. New
// lines of work are chained one after the other, oldest first. Throws
// CheckFailed when the upstream side itself has two heads in a branch or a
// new line of work forks. With `single_line`, two new lines of work in one
// branch are refused too (CheckFailed): which of them databases already
// have cannot be told, so the user says which goes on top.
std::vector<Rechain> plan_rebase(const std::vector<RevisionFile>& revisions,
                                 const std::set<std::string>& upstream_paths,
                                 bool single_line = false);

// Plans `rebase REV --onto ONTO`. Throws UsageError when the two are in
// different branches, are the same, or ONTO descends from REV.
std::vector<Rechain> plan_rebase_onto(const std::vector<RevisionFile>& revisions,
                                      const RevisionFile& revision, const RevisionFile& onto);

// The revisions with the edits applied (down_revision values only).
std::vector<RevisionFile> apply_rechains(std::vector<RevisionFile> revisions,
                                         const std::vector<Rechain>& edits);

} // namespace ecluse
