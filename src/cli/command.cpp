#include "cli/command.hpp"

#include "graph/conflict.hpp"
#include "graph/snapshots.hpp"
#include "script/git.hpp"
#include "script/project.hpp"
#include "util/error.hpp"
#include "util/file.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <stdexcept>

namespace ecluse::cli {

const std::vector<CommandSpec>& commands() {
    static const std::vector<CommandSpec> table = {
        {"init", "create the project layout, an empty conflict file and the git hook", init_options,
         run_init},
        {"revision", "write a new revision file on top of a branch head", revision_options,
         run_revision},
        {"heads", "print each branch's head, as the conflict file records them", heads_options,
         run_heads},
        {"history", "list revisions, newest first, or draw both branches (--graph)",
         history_options, run_history},
        {"show", "print one revision: header, checksum, statements", show_options, run_show},
        {"check", "CI gate: revision files, graph, conflict file, SQL syntax, lint", check_options,
         run_check},
        {"lint", "the safety analysis: is each revision safe in its phase (pre or post)?",
         lint_options, run_lint},
        {"rebase",
         "after a git conflict, re-chain this work's revisions onto the other side's heads",
         rebase_options, run_rebase},
        {"current", "the database's position in each branch", current_options, run_current},
        {"status", "every revision's state: applied, pending, drifted, orphan", status_options,
         run_status},
        {"upgrade", "apply what is pending up to TARGET (heads, pre@head, a1b2, ...)",
         upgrade_options, run_upgrade},
        {"downgrade", "undo down to TARGET (pre@-1, post@base, a1b2), or undo orphans",
         downgrade_options, run_downgrade},
        {"stamp", "record revisions as applied (or not) without running them", stamp_options,
         run_stamp},
        {"deploy", "pre migrations, then the hook that deploys the code, then post migrations",
         deploy_options, run_deploy},
        {"snapshot", "write a baseline of both heads that fresh databases start from",
         snapshot_options, run_snapshot},
        {"adopt",
         "move a database from Alembic, Sequelize, TypeORM or Flyway: a baseline of its schema, "
         "stamped; other databases compared with it",
         adopt_options, run_adopt},
        {"env", "a database and its own role per pull request", env_options, run_env},
        {"data",
         "load a data-only dump in one transaction, checked first, or write one; ecluse's own "
         "tables aside",
         data_options, run_data},
        {"seed", "test and demo data from seeds/, tracked, never run by upgrade or deploy",
         seed_options, run_seed},
        {"scratch", "start a private PostgreSQL, print its URL, stop it on Ctrl-C", scratch_options,
         run_scratch},
        {"hook", "install or run the git pre-commit hook", hook_options, run_hook},
    };
    return table;
}

const CommandSpec* find_command(std::string_view name) {
    for (const auto& command : commands()) {
        if (name == command.name) {
            return &command;
        }
    }
    return nullptr;
}

po::options_description global_options() {
    po::options_description options("Global options");
    options.add_options()("directory,C", po::value<std::string>()->value_name("DIR"),
                          "project root (default: the current directory)")(
        "database-url,d", po::value<std::string>()->value_name("URL"),
        "database (default: $ECLUSE_DATABASE_URL, $DATABASE_URL, database_url in ecluse.toml, then "
        "libpq's PG* variables)")(
        "format", po::value<std::string>()->value_name("text|json|github|markdown|mermaid"),
        "output format (markdown: deploy --plan, lint, check, status; mermaid: `history`'s "
        "graph)")("lock-timeout", po::value<std::string>()->value_name("DURATION"),
                  "lock_timeout per migration (default 5s)")(
        "statement-timeout", po::value<std::string>()->value_name("DURATION"),
        "statement_timeout per migration (default 60s)")(
        "lock-wait", po::value<std::string>()->value_name("DURATION"),
        "how long to wait for another ecluse's lock (default 60s)")(
        "progress-interval", po::value<std::string>()->value_name("DURATION"),
        "while a migration's statement runs longer than this, a line this often with its "
        "elapsed time, wait or lock, and index build progress (default 5s; 0: none)")(
        "verbose,v", "say more; with a database, timed diagnostics on stderr")(
        "quiet,q", "say only what went wrong")("version", "print the version");
    return options;
}

CommandOptions::CommandOptions(const std::string& command) : options(command + " options") {
    options.add_options()("help,h", "show this help");
}

namespace {

template <typename T>
po::value_semantic* positional_value(const Positional& argument) {
    auto* value = po::value<T>()->value_name(argument.value_name);
    return argument.presence == Positional::Presence::required ? value->required() : value;
}

// Boost names a missing positional as the hidden option it parses it into
// ("the option '--revision' is required"), an option the user cannot pass;
// the usage line calls it REV.
std::string usage_error_text(const po::error& error, const CommandOptions& spec) {
    if (const auto* missing = dynamic_cast<const po::required_option*>(&error)) {
        for (const Positional& argument : spec.positionals) {
            if (missing->get_option_name() == "--" + argument.name) {
                return "the argument " + argument.value_name + " is required but missing";
            }
        }
    }
    return error.what();
}

} // namespace

CommandOptions& CommandOptions::add(Positional argument) {
    po::value_semantic* value = argument.repeated
                                    ? positional_value<std::vector<std::string>>(argument)
                                    : positional_value<std::string>(argument);
    hidden.add_options()(argument.name.c_str(), value, argument.description.c_str());
    positional.add(argument.name.c_str(), argument.repeated ? -1 : 1);
    positionals.push_back(std::move(argument));
    return *this;
}

std::optional<po::variables_map> parse_options(const Invocation& invocation) {
    const CommandSpec* command = find_command(invocation.command);
    if (command == nullptr) {
        throw std::logic_error("no CommandSpec for " + invocation.command);
    }
    CommandOptions spec = command->options();
    po::options_description options;
    options.add(spec.options).add(spec.hidden);
    po::variables_map values;
    try {
        po::store(po::command_line_parser(invocation.args)
                      .options(options)
                      .positional(spec.positional)
                      .style(k_command_line_style)
                      .run(),
                  values);
        if (values.count("help") != 0) {
            std::cout << command_help(*command);
            return std::nullopt;
        }
        po::notify(values);
    } catch (const po::error& error) {
        throw UsageError("ecluse " + invocation.command + ": " + usage_error_text(error, spec),
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

AnnotationPaths::AnnotationPaths(const Settings& settings) : m_settings(settings) {
    if (is_git_repository(settings.root)) {
        std::error_code error;
        m_top = std::filesystem::weakly_canonical(repository_top(settings.root), error);
    }
}

std::string AnnotationPaths::project_file(const std::string& relative) const {
    if (relative.empty()) {
        return relative;
    }
    return m_top ? file(m_settings.root / relative) : display_path(m_settings, relative);
}

std::string AnnotationPaths::file(const std::filesystem::path& file) const {
    if (!m_top || file.empty()) {
        return file.string();
    }
    std::error_code error;
    std::filesystem::path path = std::filesystem::weakly_canonical(file, error);
    std::filesystem::path relative = path.lexically_relative(*m_top);
    bool inside = !relative.empty() && *relative.begin() != "..";
    return inside ? relative.string() : file.string();
}

std::string json_text(const nlohmann::json& value, int indent) {
    return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

void print_json(const nlohmann::json& document) {
    std::cout << json_text(document, 2) << '\n';
}

bool prints_markdown(std::string_view command) {
    return command == "deploy" || command == "lint" || command == "check" || command == "status";
}

namespace {

std::string markdown_cell(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '|') {
            out += "\\|";
        } else if (c == '\r') {
            out += text.compare(i, 2, "\r\n") == 0 ? "" : "<br>";
        } else if (c == '\n') {
            out += "<br>";
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace

std::string markdown_code(const std::string& text) {
    return text.empty() ? text : "`" + text + "`";
}

std::string markdown_table(const std::string& heading, const std::vector<std::string>& columns,
                           const std::vector<std::vector<std::string>>& rows) {
    auto line = [](const std::vector<std::string>& cells) {
        std::string out = "|";
        for (const std::string& cell : cells) {
            out += " " + markdown_cell(cell) + " |";
        }
        return out + "\n";
    };
    std::string out = "### " + markdown_cell(heading) + "\n\n" + line(columns) + "|";
    for (std::size_t i = 0; i < columns.size(); ++i) {
        out += " --- |";
    }
    out += "\n";
    for (const auto& row : rows) {
        out += line(row);
    }
    return out;
}

nlohmann::json json_or_null(const std::optional<std::string>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json text_or_null(const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

nlohmann::json positive_or_null(long long number) {
    return number > 0 ? nlohmann::json(number) : nlohmann::json(nullptr);
}

nlohmann::json revision_json(const RevisionFile& revision, const RevisionGraph& graph) {
    bool is_head = false;
    for (const RevisionFile* head : graph.heads(revision.branch)) {
        is_head = is_head || head == &revision;
    }
    return {
        {"revision", revision.revision},
        {"branch", branch_name(revision.branch)},
        {"down_revision", json_or_null(revision.down_revision)},
        {"depends_on", revision.depends_on},
        {"message", revision.message},
        {"created", revision.created},
        {"transaction", transaction_mode_name(revision.transaction)},
        {"path", revision.path},
        {"is_head", is_head},
    };
}

} // namespace ecluse::cli
