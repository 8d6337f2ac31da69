// ecluse-reference: the build's writer of the man pages and the shell
// completions (not installed; see reference.hpp).
//
//   ecluse-reference man OUT_DIR COMMAND...
//   ecluse-reference completion bash|zsh|fish OUT_FILE
//
// `man` writes ecluse.1 and ecluse-COMMAND.1 for each COMMAND, which must
// be every command: meson lists the pages it installs, and a command added
// without its page fails the build instead of going undocumented.

#include "cli/command.hpp"
#include "cli/reference.hpp"
#include "ecluse_version.hpp"
#include "util/file.hpp"

#include <iostream>
#include <set>

using namespace ecluse;

namespace {

int write_man_pages(const std::string& out_dir, const std::set<std::string>& listed) {
    std::set<std::string> known;
    for (const cli::CommandSpec& command : cli::commands()) {
        known.insert(command.name);
    }
    if (known != listed) {
        for (const std::string& name : known) {
            if (listed.count(name) == 0) {
                std::cerr << "ecluse-reference: the command " << name
                          << " has no man page: add it to man_commands in src/cli/meson.build\n";
            }
        }
        for (const std::string& name : listed) {
            if (known.count(name) == 0) {
                std::cerr << "ecluse-reference: src/cli/meson.build lists " << name
                          << ", which is no command\n";
            }
        }
        return 1;
    }
    write_file_atomically(std::filesystem::path(out_dir) / cli::man_page_name(nullptr),
                          cli::man_page(nullptr, ECLUSE_VERSION));
    for (const cli::CommandSpec& command : cli::commands()) {
        write_file_atomically(std::filesystem::path(out_dir) / cli::man_page_name(&command),
                              cli::man_page(&command, ECLUSE_VERSION));
    }
    return 0;
}

int usage() {
    std::cerr << "usage: ecluse-reference man OUT_DIR COMMAND...\n"
                 "       ecluse-reference completion bash|zsh|fish OUT_FILE\n";
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (args.size() >= 2 && args[0] == "man") {
            return write_man_pages(args[1], {args.begin() + 2, args.end()});
        }
        if (args.size() == 3 && args[0] == "completion") {
            std::optional<cli::Shell> shell;
            if (args[1] == "bash") {
                shell = cli::Shell::bash;
            } else if (args[1] == "zsh") {
                shell = cli::Shell::zsh;
            } else if (args[1] == "fish") {
                shell = cli::Shell::fish;
            }
            if (!shell) {
                return usage();
            }
            write_file_atomically(args[2], cli::completion_script(*shell));
            return 0;
        }
        return usage();
    } catch (const std::exception& error) {
        std::cerr << "ecluse-reference: " << error.what() << '\n';
        return 1;
    }
}
