#include "script/git.hpp"

#include "script/project.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

namespace ecluse {

namespace fs = std::filesystem;

namespace {

ProcessResult git(const fs::path& root, std::vector<std::string> arguments) {
    arguments.insert(arguments.begin(), {"git", "-C", root.string()});
    return run_process(arguments);
}

std::string git_output(const fs::path& root, const std::vector<std::string>& arguments) {
    ProcessResult result = git(root, arguments);
    if (result.exit_code != 0) {
        throw OperationFailed("git " + join(arguments, " ") +
                                  " failed: " + std::string(trim(result.errors)),
                              "is " + root.string() + " inside a git work tree?");
    }
    return result.output;
}

fs::path git_path(const fs::path& root, const std::string& name) {
    fs::path path = std::string(trim(git_output(root, {"rev-parse", "--git-path", name})));
    return path.is_absolute() ? path : root / path;
}

std::vector<std::string> split_nul(const std::string& text) {
    std::vector<std::string> parts;
    for (auto& part : split(text, '\0')) {
        if (!part.empty()) {
            parts.push_back(std::move(part));
        }
    }
    return parts;
}

} // namespace

bool is_git_repository(const fs::path& root) {
    try {
        ProcessResult result = git(root, {"rev-parse", "--is-inside-work-tree"});
        return result.exit_code == 0 && trim(result.output) == "true";
    } catch (const Error&) {
        return false; // git is not installed
    }
}

std::optional<GitIntegration> detect_integration(const fs::path& root) {
    for (const char* folder : {"rebase-merge", "rebase-apply"}) {
        if (auto onto = read_file_if_exists(git_path(root, std::string(folder) + "/onto"))) {
            std::string commit(trim(*onto));
            return GitIntegration{GitIntegration::Kind::rebase, commit,
                                  "rebase onto " + commit.substr(0, 12)};
        }
    }
    if (auto merge_head = read_file_if_exists(git_path(root, "MERGE_HEAD"))) {
        std::string commit(trim(split(*merge_head, '\n').front()));
        return GitIntegration{GitIntegration::Kind::merge, commit,
                              "merge of " + commit.substr(0, 12)};
    }
    if (read_file_if_exists(git_path(root, "CHERRY_PICK_HEAD"))) {
        std::string commit(trim(git_output(root, {"rev-parse", "HEAD"})));
        return GitIntegration{GitIntegration::Kind::cherry_pick, commit,
                              "cherry-pick onto " + commit.substr(0, 12)};
    }
    return std::nullopt;
}

namespace {

bool is_commit(const fs::path& root, const std::string& name) {
    return git(root, {"rev-parse", "--verify", "--quiet", name + "^{commit}"}).exit_code == 0;
}

} // namespace

std::optional<std::string> integration_branch(const fs::path& root, const std::string& configured,
                                              const std::string& configured_by) {
    if (!configured.empty()) {
        if (!is_commit(root, configured)) {
            throw UsageError("the integration branch " + quote_value(configured) + " (" +
                                 configured_by + ") is not a branch git knows",
                             "fetch it (`git fetch`), or name an existing branch");
        }
        return configured;
    }
    std::vector<std::string> remotes;
    for (const std::string& remote : split(git_output(root, {"remote"}), '\n')) {
        if (remote.empty()) {
            continue;
        }
        remotes.push_back(remote);
        ProcessResult head =
            git(root, {"symbolic-ref", "--quiet", "--short", "refs/remotes/" + remote + "/HEAD"});
        if (head.exit_code == 0 && !trim(head.output).empty()) {
            return std::string(trim(head.output));
        }
    }
    for (const char* name : {"main", "master"}) {
        if (is_commit(root, "refs/heads/" + std::string(name))) {
            return std::string(name);
        }
        for (const std::string& remote : remotes) {
            if (is_commit(root, "refs/remotes/" + remote + "/" + name)) {
                return remote + "/" + name;
            }
        }
    }
    return std::nullopt;
}

std::optional<std::string> merge_base(const fs::path& root, const std::string& a,
                                      const std::string& b) {
    ProcessResult result = git(root, {"merge-base", a, b});
    if (result.exit_code != 0 || trim(result.output).empty()) {
        return std::nullopt;
    }
    return std::string(trim(result.output));
}

std::string repository_prefix(const fs::path& root) {
    return std::string(trim(git_output(root, {"rev-parse", "--show-prefix"})));
}

fs::path repository_top(const fs::path& root) {
    return std::string(trim(git_output(root, {"rev-parse", "--show-toplevel"})));
}

std::set<std::string> integration_revision_paths(const fs::path& root, const std::string& branch) {
    std::set<std::string> paths = revision_paths_at(root, branch);
    // "origin/main" is also on its way through a local "main".
    if (auto slash = branch.find('/'); slash != std::string::npos &&
                                       is_commit(root, "refs/remotes/" + branch) &&
                                       is_commit(root, "refs/heads/" + branch.substr(slash + 1))) {
        paths.merge(revision_paths_at(root, "refs/heads/" + branch.substr(slash + 1)));
    }
    return paths;
}

std::set<std::string> revision_paths_at(const fs::path& root, const std::string& commit) {
    std::string pre = std::string(k_migrations_folder) + "/pre";
    std::string post = std::string(k_migrations_folder) + "/post";
    std::set<std::string> paths;
    for (auto& path : split_nul(
             git_output(root, {"ls-tree", "-r", "-z", "--name-only", commit, "--", pre, post}))) {
        if (fs::path(path).extension() == ".sql") {
            paths.insert(std::move(path));
        }
    }
    return paths;
}

std::vector<std::string> staged_paths(const fs::path& root) {
    return split_nul(
        git_output(root, {"diff", "--cached", "--name-only", "--relative", "-z", "--no-renames"}));
}

void stage_paths(const fs::path& root, const std::vector<std::string>& paths) {
    if (paths.empty()) {
        return;
    }
    std::vector<std::string> arguments = {"add", "--"};
    arguments.insert(arguments.end(), paths.begin(), paths.end());
    git_output(root, arguments);
}

fs::path hooks_folder(const fs::path& root) {
    return git_path(root, "hooks");
}

} // namespace ecluse
