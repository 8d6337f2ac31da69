#include "lint/pending.hpp"

#include "script/git.hpp"
#include "util/error.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace ecluse {

namespace {

std::optional<std::string> git_line(const std::filesystem::path& root,
                                    std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), {"git", "-C", root.string()});
    ProcessResult result = run_process(arguments);
    if (result.exit_code != 0 || trim(result.output).empty()) {
        return std::nullopt;
    }
    return std::string(trim(result.output));
}

LintSelection everything(const std::vector<RevisionFile>& revisions, const std::string& why) {
    LintSelection selection;
    for (const auto& revision : revisions) {
        selection.revisions.push_back(&revision);
    }
    selection.description = "all " + std::to_string(revisions.size()) + " revisions (" + why + ")";
    return selection;
}

} // namespace

LintSelection revisions_not_upstream(const std::filesystem::path& root,
                                     const std::vector<RevisionFile>& revisions) {
    if (!is_git_repository(root)) {
        return everything(revisions, "not a git work tree, so no upstream to compare with");
    }
    std::optional<std::string> upstream;
    std::string upstream_name;
    for (const char* candidate : {"@{upstream}", "origin/HEAD", "main", "master"}) {
        upstream = git_line(root, {"rev-parse", "--verify", "--quiet", "--end-of-options",
                                   std::string(candidate) + "^{commit}"});
        if (upstream) {
            upstream_name = candidate;
            break;
        }
    }
    if (!upstream) {
        return everything(revisions, "no upstream branch, origin/HEAD, main or master");
    }
    std::optional<std::string> base = git_line(root, {"merge-base", "HEAD", *upstream});
    if (!base) {
        return everything(revisions, "HEAD has no commit in common with " + upstream_name);
    }
    std::set<std::string> upstream_paths = revision_paths_at(root, *base);
    LintSelection selection;
    for (const auto& revision : revisions) {
        if (upstream_paths.count(revision.path) == 0) {
            selection.revisions.push_back(&revision);
        }
    }
    selection.description = std::to_string(selection.revisions.size()) + " revision" +
                            (selection.revisions.size() == 1 ? "" : "s") + " not in " +
                            upstream_name + " (merge base " + base->substr(0, 12) + ")";
    return selection;
}

} // namespace ecluse
