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

// The `.sql` paths under migrations/pre and migrations/post in a commit.
std::set<std::string> revision_paths_at(const std::filesystem::path& root,
                                        const std::string& commit);

// Paths staged for the next commit.
std::vector<std::string> staged_paths(const std::filesystem::path& root);

void stage_paths(const std::filesystem::path& root, const std::vector<std::string>& paths);

// The folder git runs hooks from (honours core.hooksPath).
std::filesystem::path hooks_folder(const std::filesystem::path& root);

} // namespace ecluse
