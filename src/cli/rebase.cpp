#include "graph/rebase.hpp"

#include "cli/command.hpp"
#include "graph/conflict.hpp"
#include "graph/specifier.hpp"
#include "script/git.hpp"
#include "script/project.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

namespace {

// The edits planned from git: the revisions that are not on the
// integration branch go on top of those that are, whichever way the merge
// or rebase goes; with --upstream, on top of that commit's.
std::vector<Rechain> plan_from_git(const Settings& settings,
                                   const std::vector<RevisionFile>& revisions,
                                   const std::optional<std::string>& upstream_flag,
                                   std::optional<GitIntegration>& integration) {
    if (!is_git_repository(settings.root)) {
        throw UsageError(settings.root.string() + " is not in a git work tree",
                         "without git, say what goes where: `ecluse rebase REV --onto REV`");
    }
    integration = detect_integration(settings.root);
    if (upstream_flag) {
        return plan_rebase(revisions, revision_paths_at(settings.root, *upstream_flag));
    }
    if (!integration) {
        return {};
    }
    if (auto branch = integration_branch(settings.root, settings.rebase.integration_branch,
                                         "integration_branch in ecluse.toml's [rebase] table")) {
        return plan_rebase(revisions, integration_revision_paths(settings.root, *branch), true);
    }
    if (integration->kind == GitIntegration::Kind::merge) {
        throw CheckFailed(
            "ecluse cannot tell which side of the merge databases already have: there is no "
            "integration branch (no remote default branch, no main, no master)",
            "name it in ecluse.toml (`[rebase]` integration_branch = \"develop\"), pass "
            "--upstream REF, or move one revision yourself: `ecluse rebase REV --onto REV`");
    }
    // A rebase puts this side's work on top of what it rebases onto.
    return plan_rebase(revisions, revision_paths_at(settings.root, integration->upstream));
}

} // namespace

CommandOptions rebase_options() {
    CommandOptions options("rebase");
    options.add({"revision", "REV", "the revision to move (with --onto)"});
    options.options.add_options()("onto", po::value<std::string>()->value_name("REV"),
                                  "its new down_revision")(
        "upstream", po::value<std::string>()->value_name("REF"),
        "the git commit whose revisions stay as they are (default: those of the integration "
        "branch: [rebase] integration_branch in ecluse.toml, else the remote's default branch, "
        "else main, else master)")("no-stage", "do not `git add` the rewritten files");
    return options;
}

int run_rebase(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    const Settings& settings = invocation.settings;
    Project project = Project::open(settings);
    project.throw_problems();
    std::vector<RevisionFile> revisions = project.headers();
    std::vector<Rechain> edits;
    std::optional<GitIntegration> integration;
    if (values->count("revision") != 0 || values->count("onto") != 0) {
        if (values->count("revision") == 0 || values->count("onto") == 0) {
            throw UsageError("`rebase REV --onto REV` needs both revisions");
        }
        // Specifiers resolve against the graph as it is, two heads included.
        RevisionGraph current(project.headers());
        auto find = [&](const std::string& text) -> const RevisionFile& {
            auto spec = parse_specifier(text);
            if (spec.kind != Specifier::Kind::revision || spec.offset != 0) {
                throw UsageError("rebase takes revision ids or prefixes, not " + text);
            }
            auto matches = current.find_prefix(spec.prefix);
            if (matches.size() != 1) {
                throw UsageError(matches.empty() ? "no revision matches " + text
                                                 : text + " matches several revisions",
                                 "`ecluse heads` and `ecluse history` show the ids");
            }
            return *matches.front();
        };
        edits = plan_rebase_onto(revisions, find((*values)["revision"].as<std::string>()),
                                 find((*values)["onto"].as<std::string>()));
    } else {
        auto upstream = values->count("upstream") != 0
                            ? std::optional((*values)["upstream"].as<std::string>())
                            : std::nullopt;
        edits = plan_from_git(settings, revisions, upstream, integration);
        if (!upstream && !integration) {
            RevisionGraph graph(revisions);
            if (!graph.valid()) {
                throw CheckFailed(
                    "no git rebase or merge is under way, so ecluse cannot tell which side is "
                    "upstream",
                    "pass --upstream REF (for example origin/main), or move one revision "
                    "yourself: `ecluse rebase REV --onto REV`",
                    graph.problems());
            }
        }
    }

    RevisionGraph result(apply_rechains(revisions, edits));
    if (!result.valid()) {
        throw CheckFailed("re-chaining would not leave one chain per branch; nothing was written",
                          "fix the problems below, then run `ecluse rebase` again",
                          result.problems());
    }
    std::vector<std::string> changed;
    for (const Rechain& edit : edits) {
        std::filesystem::path path = settings.root / edit.path;
        write_file_atomically(path, replace_header_value(read_file(path), edit.path,
                                                         "down_revision", edit.new_parent));
        changed.push_back(edit.path);
    }
    bool conflict_changed = sync_conflict_file(settings, result);
    if (conflict_changed) {
        changed.push_back(std::string(k_conflict_file_name));
    }
    bool staged = integration && values->count("no-stage") == 0 && !changed.empty();
    if (staged) {
        stage_paths(settings.root, changed);
    }

    if (settings.format == OutputFormat::json) {
        nlohmann::json list = nlohmann::json::array();
        for (const Rechain& edit : edits) {
            list.push_back({{"revision", edit.revision},
                            {"path", edit.path},
                            {"old_down_revision", json_or_null(edit.old_parent)},
                            {"new_down_revision", edit.new_parent}});
        }
        print_json({{"rechained", list},
                    {"conflict_file_rewritten", conflict_changed},
                    {"staged", staged},
                    {"heads",
                     {{"pre", json_or_null(result.head(Branch::pre))},
                      {"post", json_or_null(result.head(Branch::post))}}}});
        return 0;
    }
    if (integration) {
        std::cout << "during the " << integration->description << ":\n";
    }
    for (const Rechain& edit : edits) {
        std::cout << "re-chained " << edit.revision << " (" << display_path(settings, edit.path)
                  << "): down_revision " << edit.old_parent.value_or("none") << " -> "
                  << edit.new_parent << '\n';
    }
    if (conflict_changed) {
        std::cout << "rewrote " << k_conflict_file_name << ":\n"
                  << render_conflict_file(expected_conflict_heads(result));
    }
    if (changed.empty()) {
        std::cout << "nothing to re-chain: each branch has one head and " << k_conflict_file_name
                  << " matches them\n";
    } else if (staged) {
        std::cout << "staged the rewritten files; continue with `git "
                  << (integration->kind == GitIntegration::Kind::merge ? "commit"
                      : integration->kind == GitIntegration::Kind::rebase
                          ? "rebase --continue"
                          : "cherry-pick --continue")
                  << "`\n";
    }
    return 0;
}

} // namespace ecluse::cli
