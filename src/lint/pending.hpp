#pragma once

// Which revisions `ecluse lint` looks at by default: those not yet in the
// upstream branch, found with git.

#include "script/revision_file.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace ecluse {

struct LintSelection {
    std::vector<const RevisionFile*> revisions;
    // How they were chosen, for the user: "3 revisions not in origin/main
    // (merge base 1a2b3c4d5e6f)", or why every revision is linted.
    std::string description;
};

// The revisions whose files are not in the merge base of HEAD with the
// upstream branch (`@{upstream}`, else origin/HEAD, else main, else
// master). Without git, outside a work tree, or without any of those
// branches: every revision, and the description says why.
LintSelection revisions_not_upstream(const std::filesystem::path& root,
                                     const std::vector<RevisionFile>& revisions);

} // namespace ecluse
