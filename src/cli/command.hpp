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
#include <vector>

namespace ecluse::cli {

namespace po = boost::program_options;

struct Invocation {
    std::string command;
    std::vector<std::string> args; // the command's own arguments
    Settings settings;
};

struct CommandSpec {
    const char* name;
    const char* usage;   // "history [-r RANGE]"
    const char* summary; // one line
    int (*run)(const Invocation&);
};

const std::vector<CommandSpec>& commands();

// How every command line is read, the global options and each command's:
// Boost's default style without allow_guessing, so that an option is only
// ever its full name (`--data` is not `--database-url`, `--rew` is not
// `--rewrite`).
constexpr int k_command_line_style =
    po::command_line_style::default_style & ~po::command_line_style::allow_guessing;

// Parses a command's options; prints its help and returns nullopt on
// --help. Throws UsageError (exit 2) for unknown or malformed options.
std::optional<po::variables_map>
parse_options(const Invocation& invocation, po::options_description options,
              const po::positional_options_description& positional = {});

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

// The text of a JSON value, the one way every command writes JSON: `indent`
// as nlohmann's dump takes it (-1: one line). Bytes that are not UTF-8 (a
// hook's output, a file's text) become U+FFFD instead of throwing, so JSON
// output never fails on what it prints.
std::string json_text(const nlohmann::json& value, int indent = -1);

// Prints a JSON document on stdout.
void print_json(const nlohmann::json& document);

// A revision as JSON, the shape every command shares.
nlohmann::json revision_json(const RevisionFile& revision, const RevisionGraph& graph);

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
int run_env(const Invocation&);
int run_data(const Invocation&);
int run_seed(const Invocation&);

} // namespace ecluse::cli
