// --help text, from each command's CommandOptions: the same table parses
// the command line, so the two cannot disagree.

#include "cli/command.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <sstream>

namespace ecluse::cli {

namespace {

constexpr std::size_t k_label_width = 24; // where descriptions start
constexpr std::size_t k_line_width = 80;

// "  label   description", the description wrapped in its column; a label
// too long for it puts the description on the next line.
void append_entry(std::string& out, const std::string& label, const std::string& description) {
    std::string line = "  " + label;
    std::vector<std::string> lines = wrap_words(description, k_line_width - k_label_width);
    if (line.size() + 1 >= k_label_width && !lines.empty()) {
        out += line + '\n';
        line.clear();
    }
    for (const std::string& text : lines) {
        line.resize(k_label_width, ' ');
        out += line + text + '\n';
        line.clear();
    }
    if (!line.empty()) {
        out += line + '\n';
    }
}

std::string positional_usage(const Positional& argument) {
    std::string word = argument.value_name + (argument.repeated ? "..." : "");
    return argument.presence == Positional::Presence::optional ? "[" + word + "]" : word;
}

} // namespace

std::vector<std::string> value_choices(const std::string& value_name) {
    bool listed = value_name.find('|') != std::string::npos &&
                  std::none_of(value_name.begin(), value_name.end(),
                               [](char c) { return c >= 'A' && c <= 'Z'; });
    return listed ? split(value_name, '|') : std::vector<std::string>{};
}

std::string short_flag(const po::option_description& option) {
    std::string name = option.canonical_display_name(po::command_line_style::allow_dash_for_short);
    return name.size() == 2 && name[0] == '-' ? name : "";
}

std::string long_flag(const po::option_description& option) {
    return "--" + option.long_name();
}

std::string option_value_name(const po::option_description& option) {
    if (option.semantic()->max_tokens() == 0) {
        return "";
    }
    // Boost appends the default, " (=1)", which help shows but a man page's
    // or a completion's placeholder does not.
    std::string name = option.semantic()->name();
    return name.substr(0, name.find(' '));
}

std::string options_text(const po::options_description& options) {
    std::string out;
    for (const auto& option : options.options()) {
        std::string label = short_flag(*option);
        label += (label.empty() ? "" : ", ") + long_flag(*option);
        label += option_value_name(*option).empty() ? "" : " " + option->semantic()->name();
        append_entry(out, label, option->description());
    }
    return out;
}

std::string usage_line(const CommandSpec& command, const CommandOptions& options) {
    std::string line = std::string("ecluse [global options] ") + command.name + " [options]";
    for (const Positional& argument : options.positionals) {
        line += " " + positional_usage(argument);
    }
    return line;
}

const std::vector<ExitCodeMeaning>& exit_code_meanings() {
    static const std::vector<ExitCodeMeaning> table = {
        {"0", "success"},
        {"1", "a check or a migration failed"},
        {"2", "bad usage or input: a flag, an argument, a file that cannot be read"},
        {"3", "another ecluse holds the database's lock"},
        {"4", "the database cannot be reached or the connection was lost: retry later"},
        {"10", "deploy: pre failed; code N still runs, nothing is lost"},
        {"11", "deploy: the hook failed; pre is applied, post did not run"},
        {"12", "deploy: post failed; code N+1 runs, run `deploy --phase post` again"},
        {"128+N", "stopped by signal N (130 for Ctrl-C)"},
    };
    return table;
}

std::string main_help() {
    std::string out =
        "usage: ecluse [global options] COMMAND [options]\n\n"
        "Phased PostgreSQL migrations: pre (what running code tolerates), deploy, post.\n\n"
        "Commands:\n";
    for (const CommandSpec& command : commands()) {
        append_entry(out, command.name, command.summary);
    }
    out += "\nGlobal options:\n" + options_text(global_options());
    out += "\nExit codes:\n";
    for (const ExitCodeMeaning& each : exit_code_meanings()) {
        append_entry(out, each.code, each.meaning);
    }
    return out + "\n`ecluse COMMAND --help` or `ecluse help COMMAND` describes a command; "
                 "`man ecluse-COMMAND` too,\nonce installed.\n";
}

std::string command_help(const CommandSpec& command) {
    CommandOptions options = command.options();
    std::string out = "usage: " + usage_line(command, options) + "\n\n" + command.summary + "\n";
    if (!options.positionals.empty()) {
        out += "\nArguments:\n";
        for (const Positional& argument : options.positionals) {
            append_entry(out, argument.value_name, argument.description);
        }
    }
    out += "\nOptions:\n" + options_text(options.options);
    return out + "\nGlobal options: see `ecluse --help`.\n";
}

} // namespace ecluse::cli
