#pragma once

// Which revisions `ecluse lint` looks at by default: those not yet in the
// integration branch, found with git.

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
    // Why there was nothing to compare with, so that every revision is
    // linted; empty when they were compared with a base.
    std::string no_base;
};

// The base `lint` compares with: a git ref, and what named it for errors
// ("--base", "base in ecluse.toml's [lint] table"); an empty ref: the
// integration branch git finds (see integration_branch).
struct LintBase {
    std::string ref;
    std::string named_by;
};

// The revisions whose files are not in the merge base of HEAD with the
// base. Without git, outside a work tree, without an integration branch or
// without a commit in common: every revision, and `no_base` says why.
// Throws UsageError when a named base is not a commit git knows.
LintSelection revisions_not_in_base(const std::filesystem::path& root,
                                    const std::vector<RevisionFile>& revisions,
                                    const LintBase& base);

} // namespace ecluse
