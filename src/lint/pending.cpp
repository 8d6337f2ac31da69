#include "lint/pending.hpp"

#include "script/git.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

namespace ecluse {

namespace {

LintSelection everything(const std::vector<RevisionFile>& revisions, const std::string& why) {
    LintSelection selection;
    for (const auto& revision : revisions) {
        selection.revisions.push_back(&revision);
    }
    selection.description = "all " + std::to_string(revisions.size()) + " revisions (" + why + ")";
    selection.no_base = why;
    return selection;
}

} // namespace

LintSelection revisions_not_in_base(const std::filesystem::path& root,
                                    const std::vector<RevisionFile>& revisions,
                                    const LintBase& base) {
    if (!is_git_repository(root)) {
        if (!base.ref.empty()) {
            throw UsageError("the lint base " + quote_value(base.ref) + " (" + base.named_by +
                                 ") needs a git work tree, and " + root.string() + " is not in one",
                             "run ecluse inside the repository, or lint named revisions: "
                             "`ecluse lint REV...` or `ecluse lint --all`");
        }
        return everything(revisions, "not a git work tree, so no integration branch to compare "
                                     "with");
    }
    std::optional<std::string> branch = integration_branch(root, base.ref, base.named_by);
    if (!branch) {
        return everything(revisions, "no remote default branch (origin/HEAD), main or master to "
                                     "compare with");
    }
    std::optional<std::string> common = merge_base(root, "HEAD", *branch);
    if (!common) {
        return everything(revisions, "HEAD has no commit in common with " + *branch);
    }
    std::set<std::string> base_paths = revision_paths_at(root, *common);
    LintSelection selection;
    for (const auto& revision : revisions) {
        if (base_paths.count(revision.path) == 0) {
            selection.revisions.push_back(&revision);
        }
    }
    selection.description = std::to_string(selection.revisions.size()) + " revision" +
                            (selection.revisions.size() == 1 ? "" : "s") + " not in " + *branch +
                            " (merge base " + common->substr(0, 12) + ")";
    return selection;
}

} // namespace ecluse
