#pragma once

// Running another program (git, the server binaries, a deploy hook) and
// collecting what it printed. No shell is involved: argv is passed as is.

#include <chrono>
#include <filesystem>
#include <functional>
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

enum class OutputStream { out, err };

struct StreamOptions {
    std::filesystem::path working_directory; // empty: the current one
    std::map<std::string, std::string> extra_environment;
    std::chrono::milliseconds timeout{0};       // 0: none; then SIGTERM to the process group
    std::chrono::milliseconds kill_grace{5000}; // from that SIGTERM to SIGKILL
    // Polled about every 100 ms: a signal to forward to the child's process
    // group now, or 0.
    std::function<int()> signal_to_forward;
    // Polled about every 100 ms too: false stops the program as a timeout
    // does (SIGTERM to its process group, SIGKILL kill_grace later).
    std::function<bool()> keep_running;
};

struct StreamResult {
    int exit_code = -1;       // 128 + signal number when killed by a signal
    bool timed_out = false;   // it ran past the timeout and was stopped
    bool stopped = false;     // keep_running said no, and it was stopped
    int forwarded_signal = 0; // the last signal forwarded to it, 0 if none
};

// Runs argv[0] (looked up in PATH) in a process group of its own, stdin
// from /dev/null, and calls `on_line` with each line of its stdout and
// stderr (without the line terminator) as soon as the line is complete; a
// line longer than 64 KiB comes in pieces of at most 64 KiB. The group is led by a small supervisor
// process (this process's child, the program's parent): should this process be killed outright, it
// stops the whole group, SIGTERM then SIGKILL 5 s later. Throws Error when the program cannot be
// started at all.
StreamResult stream_process(const std::vector<std::string>& argv, const StreamOptions& options,
                            const std::function<void(OutputStream, const std::string&)>& on_line);

// While an object of this type lives, SIGINT and SIGTERM no longer end the
// process: each is counted, and the caller decides when to stop. Nor does a
// closed output (SIGPIPE, `ecluse deploy | head -3`): writes to it fail,
// and the work goes on. The previous handlers come back when it is
// destroyed. One at a time.
class SignalCatcher {
public:
    SignalCatcher();
    ~SignalCatcher();
    SignalCatcher(const SignalCatcher&) = delete;
    SignalCatcher& operator=(const SignalCatcher&) = delete;

    // The last signal received (SIGINT or SIGTERM), 0 if none.
    static int last_signal();
    // How many have been received so far.
    static int count();
};

// The absolute path of the running executable.
std::filesystem::path current_executable();

} // namespace ecluse
