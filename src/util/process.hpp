#pragma once

// Running another program (git, the server binaries, a deploy hook) and
// collecting what it printed. No shell is involved: argv is passed as is.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ecluse {

struct ProcessOptions {
    std::filesystem::path working_directory; // empty: the current one
    std::map<std::string, std::string> extra_environment;
    std::string input; // written to the child's stdin, then closed
};

struct ProcessResult {
    int exit_code = -1; // 128 + signal number when killed by a signal
    std::string output; // stdout
    std::string errors; // stderr
};

// Runs argv[0] (looked up in PATH) to completion. Throws Error when the
// program cannot be started at all (not found, not executable).
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

// The absolute path of the running executable.
std::filesystem::path current_executable();

} // namespace ecluse
