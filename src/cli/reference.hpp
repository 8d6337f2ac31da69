#pragma once

// The man pages and the shell completions, written from the same tables
// as --help (commands(), each command's CommandOptions, global_options()),
// so that what is installed cannot disagree with what the binary parses.
// The build runs them through ecluse-reference (reference_main.cpp).

#include <string>
#include <string_view>

namespace ecluse::cli {

struct CommandSpec;

// The roff (man(7)) text of ecluse(1), for nullptr, or of
// ecluse-NAME(1), for ecluse `version`.
std::string man_page(const CommandSpec* command, const std::string& version);

// The man page's file name: "ecluse.1", "ecluse-upgrade.1".
std::string man_page_name(const CommandSpec* command);

enum class Shell { bash, zsh, fish };

// The completion script for the shell: commands, their options, the
// values an option or an argument accepts (words, files, folders).
std::string completion_script(Shell shell);

} // namespace ecluse::cli
