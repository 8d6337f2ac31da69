// The completion scripts for bash, zsh and fish, from the tables --help
// prints: commands, each command's options and arguments, the global
// options, and the values each takes.

#include "cli/command.hpp"
#include "cli/reference.hpp"
#include "util/strings.hpp"

namespace ecluse::cli {

namespace {

// What the shell offers for an option's value or an argument.
struct Values {
    enum class Kind { none, words, file, directory } kind = Kind::none;
    std::vector<std::string> words;
};

// From the placeholder help shows: a list of lowercase words ("load|dump")
// is those words, a name with DIR a folder, with FILE or PATH a file.
Values values_of(const std::string& value_name) {
    if (std::vector<std::string> words = value_choices(value_name); !words.empty()) {
        return {Values::Kind::words, words};
    }
    if (value_name.find("DIR") != std::string::npos) {
        return {Values::Kind::directory, {}};
    }
    if (value_name.find("FILE") != std::string::npos ||
        value_name.find("PATH") != std::string::npos) {
        return {Values::Kind::file, {}};
    }
    return {};
}

struct Option {
    std::string short_flag; // "-m", or empty
    std::string long_flag;  // "--message"
    std::string description;
    bool takes_value = false;
    std::string value_name;
    Values values;
};

std::vector<Option> options_of(const po::options_description& table) {
    std::vector<Option> options;
    for (const auto& each : table.options()) {
        std::string value_name = option_value_name(*each);
        options.push_back({short_flag(*each), long_flag(*each), each->description(),
                           !value_name.empty(), value_name, values_of(value_name)});
    }
    return options;
}

// The first sentence-ish part of a description, as the shells show it
// beside a candidate: one line.
std::string short_description(const std::string& description) {
    return description.substr(0, description.find(" (default"));
}

std::string command_names() {
    std::vector<std::string> names;
    for (const CommandSpec& command : commands()) {
        names.emplace_back(command.name);
    }
    names.emplace_back("help");
    return join(names, " ");
}

// --- bash ------------------------------------------------------------------

// A bash word for the value lists: the words, or @file, @dir, @none.
std::string bash_values(const Values& values) {
    switch (values.kind) {
    case Values::Kind::words:
        return join(values.words, " ");
    case Values::Kind::file:
        return "@file";
    case Values::Kind::directory:
        return "@dir";
    case Values::Kind::none:
        break;
    }
    return "@none";
}

std::string flags_of(const std::vector<Option>& options) {
    std::vector<std::string> flags;
    for (const Option& option : options) {
        if (!option.short_flag.empty()) {
            flags.push_back(option.short_flag);
        }
        flags.push_back(option.long_flag);
    }
    return join(flags, " ");
}

// case patterns "CMD FLAG" (a command's own, prefix `"CMD`) or *" FLAG" (a
// global one, prefix `*"`).
void append_bash_value_cases(std::string& out, const std::string& prefix,
                             const std::vector<Option>& options) {
    for (const Option& option : options) {
        if (!option.takes_value) {
            continue;
        }
        std::string pattern = prefix + " " + option.long_flag + "\"";
        if (!option.short_flag.empty()) {
            pattern += "|" + prefix + " " + option.short_flag + "\"";
        }
        out += "    " + pattern + ") echo \"" + bash_values(option.values) + "\" ;;\n";
    }
}

std::string bash_script() {
    std::vector<Option> globals = options_of(global_options());
    std::string out = "# bash completion for ecluse, written from its option tables by the "
                      "build.\n\n"
                      "# The values an option takes (words, @file, @dir or @none), nothing for a\n"
                      "# switch: _ecluse_values COMMAND OPTION\n"
                      "_ecluse_values() {\n  case \"$1 $2\" in\n";
    std::string options_cases;
    std::string argument_cases;
    for (const CommandSpec& command : commands()) {
        CommandOptions table = command.options();
        std::vector<Option> options = options_of(table.options);
        append_bash_value_cases(out, std::string("\"") + command.name, options);
        options_cases +=
            std::string("    ") + command.name + ") echo \"" + flags_of(options) + "\" ;;\n";
        for (std::size_t i = 0; i < table.positionals.size(); ++i) {
            const Positional& argument = table.positionals[i];
            std::string pattern = std::string("\"") + command.name + " " +
                                  (argument.repeated ? "\"*" : std::to_string(i) + "\"");
            argument_cases += "    " + pattern + ") echo \"" +
                              bash_values(values_of(argument.value_name)) + "\" ;;\n";
        }
    }
    append_bash_value_cases(out, "*\"", globals);
    out += "  esac\n}\n\n"
           "# The options of a command, then the global ones: _ecluse_options COMMAND\n"
           "_ecluse_options() {\n  case \"$1\" in\n" +
           options_cases + "  esac\n  echo \"" + flags_of(globals) +
           "\"\n}\n\n"
           "# What argument N (from 0) of a command takes: _ecluse_argument COMMAND N\n"
           "_ecluse_argument() {\n  case \"$1 $2\" in\n"
           "    \"help 0\") echo \"" +
           command_names() + "\" ;;\n" + argument_cases +
           "    *) echo @none ;;\n  esac\n}\n\n"
           "# Offers $1 (words, @file, @dir, @none) for the word $2.\n"
           "_ecluse_offer() {\n"
           "  case \"$1\" in\n"
           "    @none) ;;\n"
           "    @file) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- \"$2\")) ;;\n"
           "    @dir) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- \"$2\")) ;;\n"
           "    *) COMPREPLY=($(compgen -W \"$1\" -- \"$2\")) ;;\n"
           "  esac\n}\n\n"
           "_ecluse() {\n"
           "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}\n"
           "  local cmd=\"\" count=0 skip=\"\" word i option=\"\"\n"
           "  COMPREPLY=()\n"
           "  # The command, and how many arguments it has before the cursor; an\n"
           "  # option's value is no argument (\"--format json\", \"--format=json\").\n"
           "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
           "    word=${COMP_WORDS[i]}\n"
           "    if [[ $word == \"=\" ]]; then skip=1; continue; fi\n"
           "    if [[ -n $skip ]]; then skip=\"\"; continue; fi\n"
           "    case $word in\n"
           "      -*) [[ -n $(_ecluse_values \"$cmd\" \"$word\") ]] && skip=1 ;;\n"
           "      *) if [[ -z $cmd ]]; then cmd=$word; else count=$((count + 1)); fi ;;\n"
           "    esac\n"
           "  done\n"
           "  if [[ $cur == \"=\" ]]; then\n"
           "    option=$prev cur=\"\"\n"
           "  elif [[ $prev == \"=\" ]] && ((COMP_CWORD >= 2)); then\n"
           "    option=${COMP_WORDS[COMP_CWORD-2]}\n"
           "  elif [[ $prev == -* ]]; then\n"
           "    option=$prev\n"
           "  fi\n"
           "  if [[ -n $option ]]; then\n"
           "    local values\n"
           "    values=$(_ecluse_values \"$cmd\" \"$option\")\n"
           "    if [[ -n $values ]]; then _ecluse_offer \"$values\" \"$cur\"; return 0; fi\n"
           "  fi\n"
           "  if [[ $cur == -* ]]; then\n"
           "    COMPREPLY=($(compgen -W \"$(_ecluse_options \"$cmd\")\" -- \"$cur\"))\n"
           "  elif [[ -z $cmd ]]; then\n"
           "    COMPREPLY=($(compgen -W \"" +
           command_names() +
           "\" -- \"$cur\"))\n"
           "  else\n"
           "    _ecluse_offer \"$(_ecluse_argument \"$cmd\" \"$count\")\" \"$cur\"\n"
           "  fi\n"
           "  return 0\n"
           "}\n\n"
           "complete -F _ecluse ecluse\n";
    return out;
}

// --- zsh -------------------------------------------------------------------

// Text inside a single-quoted zsh word.
std::string zsh_quoted(const std::string& text) {
    std::string out;
    for (char c : text) {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out;
}

// An option's description as _arguments reads it between [ and ].
std::string zsh_description(const std::string& text) {
    std::string out;
    for (char c : short_description(text)) {
        if (c == '[' || c == ']' || c == '\\' || c == ':') {
            out += '\\';
        }
        out += c;
    }
    return zsh_quoted(out);
}

std::string zsh_action(const Values& values) {
    switch (values.kind) {
    case Values::Kind::words:
        return "(" + join(values.words, " ") + ")";
    case Values::Kind::file:
        return "_files";
    case Values::Kind::directory:
        return "_files -/";
    case Values::Kind::none:
        break;
    }
    return " ";
}

// One _arguments spec per flag, each excluding the option's other name,
// each line continued (harmless in an array, needed in a call).
std::string zsh_option_specs(const std::vector<Option>& options, const std::string& indent) {
    std::string out;
    for (const Option& option : options) {
        std::string names = option.long_flag;
        if (!option.short_flag.empty()) {
            names = option.short_flag + " " + names;
        }
        std::string tail = "[" + zsh_description(option.description) + "]";
        if (option.takes_value) {
            tail +=
                ":" + zsh_quoted(option.value_name) + ":" + zsh_quoted(zsh_action(option.values));
        }
        if (!option.short_flag.empty()) {
            out += indent + "'(" + names + ")" + option.short_flag +
                   (option.takes_value ? "+" : "") + tail + "' \\\n";
        }
        out += indent + "'(" + names + ")" + option.long_flag + (option.takes_value ? "=" : "") +
               tail + "' \\\n";
    }
    return out;
}

std::string zsh_script() {
    std::string out = "#compdef ecluse\n"
                      "# zsh completion for ecluse, written from its option tables by the "
                      "build.\n\n"
                      "_ecluse() {\n"
                      "  local curcontext=$curcontext state line ret=1\n"
                      "  typeset -A opt_args\n"
                      "  local -a global_options=(\n" +
                      zsh_option_specs(options_of(global_options()), "    ") +
                      "  )\n"
                      "  _arguments -C -s $global_options '1:command:->command' "
                      "'*::argument:->argument' && ret=0\n"
                      "  case $state in\n"
                      "  command)\n"
                      "    local -a commands=(\n";
    for (const CommandSpec& command : commands()) {
        out += std::string("      '") + command.name + ":" + zsh_quoted(command.summary) + "'\n";
    }
    out += "      'help:describe a command'\n"
           "    )\n"
           "    _describe -t commands 'ecluse command' commands && ret=0\n"
           "    ;;\n"
           "  argument)\n"
           "    curcontext=${curcontext%:*:*}:ecluse-$words[1]:\n"
           "    case $words[1] in\n"
           "    help) _arguments '1:command:(" +
           command_names() + ")' && ret=0 ;;\n";
    for (const CommandSpec& command : commands()) {
        CommandOptions table = command.options();
        out += std::string("    ") + command.name + ")\n      _arguments -s $global_options \\\n" +
               zsh_option_specs(options_of(table.options), "        ");
        for (std::size_t i = 0; i < table.positionals.size(); ++i) {
            const Positional& argument = table.positionals[i];
            std::string position = argument.repeated ? "*" : std::to_string(i + 1);
            out += "        '" + position + ":" + zsh_quoted(argument.value_name) + ":" +
                   zsh_quoted(zsh_action(values_of(argument.value_name))) + "' \\\n";
        }
        out += "        && ret=0\n      ;;\n";
    }
    out += "    esac\n"
           "    ;;\n"
           "  esac\n"
           "  return ret\n"
           "}\n\n"
           "_ecluse \"$@\"\n";
    return out;
}

// --- fish ------------------------------------------------------------------

// A single-quoted fish word.
std::string fish_quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "'";
}

std::string fish_value_flags(const Values& values) {
    switch (values.kind) {
    case Values::Kind::words:
        return " -x -a " + fish_quoted(join(values.words, " "));
    case Values::Kind::file:
        return " -r -F";
    case Values::Kind::directory:
        return " -x -a '(__fish_complete_directories)'";
    case Values::Kind::none:
        break;
    }
    return " -x";
}

void append_fish_options(std::string& out, const std::string& condition,
                         const std::vector<Option>& options) {
    for (const Option& option : options) {
        out += "complete -c ecluse" + condition;
        if (!option.short_flag.empty()) {
            out += " -s " + option.short_flag.substr(1);
        }
        out += " -l " + option.long_flag.substr(2);
        if (option.takes_value) {
            out += fish_value_flags(option.values);
        }
        out += " -d " + fish_quoted(short_description(option.description)) + "\n";
    }
}

std::string fish_script() {
    std::string names = command_names();
    std::string out = "# fish completion for ecluse, written from its option tables by the "
                      "build.\n\n"
                      "complete -c ecluse -f\n\n"
                      "# The commands, until one is given.\n";
    std::string no_command = " -n 'not __fish_seen_subcommand_from " + names + "'";
    for (const CommandSpec& command : commands()) {
        out += "complete -c ecluse" + no_command + " -a " + command.name + " -d " +
               fish_quoted(command.summary) + "\n";
    }
    out += "complete -c ecluse" + no_command + " -a help -d 'describe a command'\n";
    out += "complete -c ecluse -n '__fish_seen_subcommand_from help' -a " + fish_quoted(names) +
           "\n\n# The global options, before or after the command.\n";
    append_fish_options(out, "", options_of(global_options()));
    for (const CommandSpec& command : commands()) {
        CommandOptions table = command.options();
        std::string condition =
            std::string(" -n '__fish_seen_subcommand_from ") + command.name + "'";
        out += std::string("\n# ") + command.name + "\n";
        append_fish_options(out, condition, options_of(table.options));
        for (const Positional& argument : table.positionals) {
            Values values = values_of(argument.value_name);
            if (values.kind == Values::Kind::words) {
                out += "complete -c ecluse" + condition + " -a " +
                       fish_quoted(join(values.words, " ")) + " -d " +
                       fish_quoted(argument.value_name) + "\n";
            } else if (values.kind != Values::Kind::none) {
                out += "complete -c ecluse" + condition + " -F\n";
            }
        }
    }
    return out;
}

} // namespace

std::string completion_script(Shell shell) {
    switch (shell) {
    case Shell::bash:
        return bash_script();
    case Shell::zsh:
        return zsh_script();
    case Shell::fish:
        return fish_script();
    }
    return {};
}

} // namespace ecluse::cli
