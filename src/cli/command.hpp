#pragma once

// What every command gets, and the helpers they share. Commands are thin:
// parse options, call the libraries, print.

#include "config/settings.hpp"
#include "graph/plan.hpp"
#include "graph/revision_graph.hpp"
#include "script/project.hpp"

#include <boost/program_options.hpp>
#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse::cli {

namespace po = boost::program_options;

struct Invocation {
    std::string command;
    std::vector<std::string> args; // the command's own arguments
    Settings settings;
};

// A positional argument. Boost parses it as a hidden option of `name`;
// help, man pages and completions show it as `value_name`, never as
// `--name`. A value_name of lowercase words separated by `|` ("load|dump")
// lists the words it accepts, which completions offer.
struct Positional {
    enum class Presence {
        optional,
        required, // Boost refuses the command line without it
        // Shown as required, but the command says what is missing itself
        // (its message names the actions), so Boost does not check it.
        checked_by_command,
    };
    std::string name;
    std::string value_name;
    std::string description;
    Presence presence = Presence::optional;
    bool repeated = false; // any number of them, from here on
};

// A command's options and positional arguments: the one table that parsing,
// --help, the man pages and the completions read.
struct CommandOptions {
    explicit CommandOptions(const std::string& command);
    CommandOptions& add(Positional argument);

    po::options_description options; // shown as --x, --help among them
    po::options_description hidden;  // the positionals, as Boost parses them
    po::positional_options_description positional;
    std::vector<Positional> positionals;
};

struct CommandSpec {
    const char* name;
    const char* summary; // one line
    CommandOptions (*options)();
    int (*run)(const Invocation&);
};

const std::vector<CommandSpec>& commands();
// The command of that name, or nullptr.
const CommandSpec* find_command(std::string_view name);

// The options that come before or after any command.
po::options_description global_options();

// The words a value_name lists ("load|dump"), or none for a placeholder
// ("FILE", "REV|FILE").
std::vector<std::string> value_choices(const std::string& value_name);

// How an option is named on the command line: "-m" (empty without a short
// name), "--message", and the value it takes ("MSG", empty for a switch).
std::string short_flag(const po::option_description& option);
std::string long_flag(const po::option_description& option);
std::string option_value_name(const po::option_description& option);

// A list of options as help shows it, one per entry, descriptions wrapped
// at word boundaries so that a file name is never cut.
std::string options_text(const po::options_description& options);

// The exit codes users and pipelines tell apart, as --help and the man
// pages list them.
struct ExitCodeMeaning {
    const char* code; // "3", or "128+N"
    const char* meaning;
};
const std::vector<ExitCodeMeaning>& exit_code_meanings();

// What `ecluse --help` prints: the commands, the global options, the exit
// codes.
std::string main_help();

// `ecluse [global options] NAME [options] ARG [ARG...]`.
std::string usage_line(const CommandSpec& command, const CommandOptions& options);

// What `ecluse NAME --help` prints.
std::string command_help(const CommandSpec& command);

// How every command line is read, the global options and each command's:
// Boost's default style without allow_guessing, so that an option is only
// ever its full name (`--data` is not `--database-url`, `--rew` is not
// `--rewrite`).
constexpr int k_command_line_style =
    po::command_line_style::default_style & ~po::command_line_style::allow_guessing;

// Parses the invoked command's options, from its CommandSpec; prints its
// help and returns nullopt on --help. Throws UsageError (exit 2) for
// unknown or malformed options.
std::optional<po::variables_map> parse_options(const Invocation& invocation);

// The project of `settings.root`, read through its revision cache, and its
// graph (with the revisions its snapshots replace). Throws InputError
// (exit 2) when a revision file cannot be read. The cache is saved; a
// command that records more in the project (check, lint) saves it again.
struct LoadedProject {
    Project project;
    RevisionGraph graph;
};
LoadedProject load_project(const Settings& settings);

// Writes the conflict-detection file from the graph's heads; true when its
// content changed. Requires at most one head per branch.
bool sync_conflict_file(const Settings& settings, const RevisionGraph& graph);

// A path under the project root as the user can open it from the
// current directory.
std::string display_path(const Settings& settings, const std::string& relative);

// Paths as GitHub annotations need them: relative to the top of the git
// repository, which a workflow checks out, whatever folder of it the
// project is in; outside git, as display_path gives them.
class AnnotationPaths {
public:
    explicit AnnotationPaths(const Settings& settings);
    // `relative`: under the project root.
    std::string project_file(const std::string& relative) const;
    // `file`: relative to the current folder, or absolute.
    std::string file(const std::filesystem::path& file) const;

private:
    const Settings& m_settings;
    std::optional<std::filesystem::path> m_top; // the repository's top, canonical
};

// The text of a JSON value, the one way every command writes JSON: `indent`
// as nlohmann's dump takes it (-1: one line). Bytes that are not UTF-8 (a
// hook's output, a file's text) become U+FFFD instead of throwing, so JSON
// output never fails on what it prints.
std::string json_text(const nlohmann::json& value, int indent = -1);

// Prints a JSON document on stdout.
void print_json(const nlohmann::json& document);

// The commands that print --format markdown (deploy only with --plan), for
// the usage error of the others.
bool prints_markdown(std::string_view command);
inline constexpr const char* k_markdown_commands = "deploy --plan, lint, check and status";

// A GitHub-flavoured Markdown table under a heading line, the one way a
// command prints --format markdown: a pipeline appends it to
// $GITHUB_STEP_SUMMARY or posts it on a pull request. Cells are text:
// `|` is escaped and line breaks become <br>, so that a message never
// breaks the table.
std::string markdown_table(const std::string& heading, const std::vector<std::string>& columns,
                           const std::vector<std::vector<std::string>>& rows);
// `text` as a Markdown code span (a revision id, a file), escaped as a cell.
std::string markdown_code(const std::string& text);

// A value that may be missing, as every JSON document gives one: null, never
// "" nor an absent key (docs/json.md).
nlohmann::json json_or_null(const std::optional<std::string>& value);
// `text`, or null when it is empty (a reason, a hint, a note not given).
nlohmann::json text_or_null(const std::string& text);
// `number`, or null when it is not positive (a line, a column, a count not known).
nlohmann::json positive_or_null(long long number);

// A revision as JSON, the shape every command shares.
nlohmann::json revision_json(const RevisionFile& revision, const RevisionGraph& graph);

CommandOptions init_options();
CommandOptions revision_options();
CommandOptions heads_options();
CommandOptions history_options();
CommandOptions show_options();
CommandOptions check_options();
CommandOptions lint_options();
CommandOptions rebase_options();
CommandOptions hook_options();
CommandOptions current_options();
CommandOptions status_options();
CommandOptions upgrade_options();
CommandOptions downgrade_options();
CommandOptions stamp_options();
CommandOptions scratch_options();
CommandOptions deploy_options();
CommandOptions snapshot_options();
CommandOptions adopt_options();
CommandOptions env_options();
CommandOptions data_options();
CommandOptions seed_options();

int run_init(const Invocation&);
int run_revision(const Invocation&);
int run_heads(const Invocation&);
int run_history(const Invocation&);
int run_show(const Invocation&);
int run_check(const Invocation&);
int run_lint(const Invocation&);
int run_rebase(const Invocation&);
int run_hook(const Invocation&);
int run_current(const Invocation&);
int run_status(const Invocation&);
int run_upgrade(const Invocation&);
int run_downgrade(const Invocation&);
int run_stamp(const Invocation&);
int run_scratch(const Invocation&);
int run_deploy(const Invocation&);
int run_snapshot(const Invocation&);
int run_adopt(const Invocation&);
int run_env(const Invocation&);
int run_data(const Invocation&);
int run_seed(const Invocation&);

} // namespace ecluse::cli
