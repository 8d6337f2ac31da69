#include "cli/command.hpp"

#include "graph/conflict.hpp"
#include "graph/snapshots.hpp"
#include "script/project.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

const std::vector<CommandSpec>& commands() {
    static const std::vector<CommandSpec> table = {
        {"init", "init", "create the project layout, an empty conflict file and the git hook",
         run_init},
        {"revision",
         "revision -m MSG --head pre@head|post@head [--no-transaction] [--depends-on REV]",
         "write a new revision file on top of a branch head", run_revision},
        {"heads", "heads [--rewrite]",
         "print each branch's head, as the conflict file records them", run_heads},
        {"history", "history [-r RANGE]", "list revisions, newest first", run_history},
        {"show", "show REV", "print one revision: header, checksum, statements", run_show},
        {"check", "check [--verify-snapshots]",
         "CI gate: revision files, graph, conflict file, SQL syntax, lint", run_check},
        {"lint", "lint [--all] [REV|FILE...]",
         "the safety analysis: is each revision safe in its phase (pre or post)?", run_lint},
        {"rebase", "rebase [--upstream REF] | rebase REV --onto REV",
         "after a git conflict, re-chain this work's revisions onto the other side's heads",
         run_rebase},
        {"current", "current", "the database's position in each branch", run_current},
        {"status", "status", "every revision's state: applied, pending, drifted, orphan",
         run_status},
        {"upgrade", "upgrade TARGET",
         "apply what is pending up to TARGET (heads, pre@head, a1b2, ...)", run_upgrade},
        {"downgrade", "downgrade TARGET | --orphans",
         "undo down to TARGET (pre@-1, post@base, a1b2), or undo orphans", run_downgrade},
        {"stamp", "stamp TARGET | --forget-orphan REV",
         "record revisions as applied (or not) without running them", run_stamp},
        {"deploy", "deploy [--hook CMD] [--phase pre|deploy|post] [--plan]",
         "pre migrations, then the hook that deploys the code, then post migrations", run_deploy},
        {"snapshot", "snapshot [--dev-url URL]",
         "write a baseline of both heads that fresh databases start from", run_snapshot},
        {"env",
         "env create NAME [--admin-url URL] [--data FILE] [--secret-file PATH] "
         "[--recreate] [--no-template] | env drop NAME | env list | env prepare [--count N] | "
         "env list-templates | env drop-templates",
         "a database and its own role per pull request", run_env},
        {"data", "data load FILE [--truncate] | data dump FILE",
         "load a data-only dump in one transaction, checked first, or write one; ecluse's own "
         "tables aside",
         run_data},
        {"seed", "seed run [NAME...] | seed undo NAME | seed status",
         "test and demo data from seeds/, tracked, never run by upgrade or deploy", run_seed},
        {"scratch", "scratch", "start a private PostgreSQL, print its URL, stop it on Ctrl-C",
         run_scratch},
        {"hook", "hook install|run", "install or run the git pre-commit hook", run_hook},
    };
    return table;
}

std::optional<po::variables_map>
parse_options(const Invocation& invocation, po::options_description options,
              const po::positional_options_description& positional) {
    options.add_options()("help,h", "show this help");
    po::variables_map values;
    try {
        po::store(po::command_line_parser(invocation.args)
                      .options(options)
                      .positional(positional)
                      .style(k_command_line_style)
                      .run(),
                  values);
        if (values.count("help") != 0) {
            for (const auto& command : commands()) {
                if (invocation.command == command.name) {
                    std::cout << "usage: ecluse [global options] " << command.usage << "\n\n"
                              << command.summary << "\n\n";
                }
            }
            std::cout << options << "\nGlobal options: see `ecluse --help`.\n";
            return std::nullopt;
        }
        po::notify(values);
    } catch (const po::error& error) {
        throw UsageError("ecluse " + invocation.command + ": " + error.what(),
                         "see `ecluse " + invocation.command + " --help`");
    }
    return values;
}

LoadedProject load_project(const Settings& settings) {
    Project project = Project::open(settings);
    project.throw_problems();
    RevisionGraph graph = RevisionGraph::sharing(
        project.shared_headers(), replaced_revisions(load_snapshot_files(settings.root)));
    project.save_cache();
    return {std::move(project), std::move(graph)};
}

bool sync_conflict_file(const Settings& settings, const RevisionGraph& graph) {
    std::filesystem::path path = conflict_file_path(settings.root);
    std::string wanted = render_conflict_file(expected_conflict_heads(graph));
    if (read_file_if_exists(path) == wanted) {
        return false;
    }
    write_file_atomically(path, wanted);
    return true;
}

std::string display_path(const Settings& settings, const std::string& relative) {
    if (settings.root == ".") {
        return relative;
    }
    return (settings.root / relative).lexically_normal().string();
}

std::string json_text(const nlohmann::json& value, int indent) {
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

void print_json(const nlohmann::json& document) {
    std::cout << json_text(document, 2) << '\n';
}

nlohmann::json revision_json(const RevisionFile& revision, const RevisionGraph& graph) {
    bool is_head = false;
    for (const RevisionFile* head : graph.heads(revision.branch)) {
        is_head = is_head || head == &revision;
    }
    return {
        {"revision", revision.revision},
        {"branch", branch_name(revision.branch)},
        {"down_revision", revision.down_revision ? nlohmann::json(*revision.down_revision)
                                                 : nlohmann::json(nullptr)},
        {"depends_on", revision.depends_on},
        {"message", revision.message},
        {"created", revision.created},
        {"transaction", transaction_mode_name(revision.transaction)},
        {"path", revision.path},
        {"is_head", is_head},
    };
}

} // namespace ecluse::cli
