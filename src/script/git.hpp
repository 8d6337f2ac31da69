#pragma once

// What ecluse asks of git: is a rebase or merge under way, which files the
// other side has, what is staged, and staging what ecluse rewrote. Paths
// are relative to the project root, which may be a subfolder of the
// repository.

#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace ecluse {

// A git operation that may have left two heads or conflict markers.
struct GitIntegration {
    enum class Kind { rebase, merge, cherry_pick };
    Kind kind;
    std::string upstream;    // the commit whose revisions stay as they are
    std::string description; // "rebase onto 1a2b3c4", for messages
};

bool is_git_repository(const std::filesystem::path& root);

// The rebase (its `onto`), merge (MERGE_HEAD) or cherry-pick (HEAD) under
// way in the repository, or nullopt. Throws Error when git fails.
std::optional<GitIntegration> detect_integration(const std::filesystem::path& root);

// The branch work is integrated into, whose revisions `rebase` never moves
// and `lint` compares with: `configured` when not empty (UsageError naming
// `configured_by`, such as "--base", when git does not know it), else the
// remote's default branch (refs/remotes/REMOTE/HEAD), else main, else
// master, local or a remote's; nullopt when there is none. Returned as git
// names it ("origin/main", "main").
std::optional<std::string> integration_branch(const std::filesystem::path& root,
                                              const std::string& configured,
                                              const std::string& configured_by);

// The best common ancestor of two commits, or nullopt when they have none.
std::optional<std::string> merge_base(const std::filesystem::path& root, const std::string& a,
                                      const std::string& b);

// The project root's folder inside its repository, with a trailing slash
// ("db/"), or "" at the repository's top. Throws Error when git fails.
std::string repository_prefix(const std::filesystem::path& root);

// The top folder of the work tree holding `root`, absolute, as git prints
// it. Throws Error when git fails.
std::filesystem::path repository_top(const std::filesystem::path& root);

// The `.sql` paths of an integration branch: those of the branch, and of
// the local branch of the same name when it is a remote's ("main" for
// "origin/main"), whose commits are on their way to it.
std::set<std::string> integration_revision_paths(const std::filesystem::path& root,
                                                 const std::string& branch);

// The `.sql` paths under migrations/pre and migrations/post in a commit.
std::set<std::string> revision_paths_at(const std::filesystem::path& root,
                                        const std::string& commit);

// Paths staged for the next commit.
std::vector<std::string> staged_paths(const std::filesystem::path& root);

void stage_paths(const std::filesystem::path& root, const std::vector<std::string>& paths);

// The folder git runs hooks from (honours core.hooksPath).
std::filesystem::path hooks_folder(const std::filesystem::path& root);

} // namespace ecluse
