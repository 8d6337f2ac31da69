#pragma once

// Internal to src/scratch: the watchdog that tears a scratch server down
// when the process that started it dies without doing so itself.

#include <sys/types.h>

#include <filesystem>

namespace ecluse::scratch_detail {

// What the watchdog removes, and how it finds the server to stop.
struct TeardownPaths {
    std::filesystem::path folder;         // removed with everything in it
    std::filesystem::path data_directory; // the postmaster's working directory
    std::filesystem::path pid_file;       // data_directory/postmaster.pid
};

// A child process connected to this one by a socket pair (close-on-exec
// here, so programs this process runs do not hold it). It runs in its own
// session, ignores SIGINT, SIGTERM, SIGHUP and SIGQUIT, holds no other file
// of this process (stdin, stdout and stderr are /dev/null) and blocks
// reading the socket. When the socket reaches end of file, this process has
// ended without dismissing it: it stops the server named by `paths` and
// removes the folder, then exits.
class Reaper {
public:
    // Forks the watchdog. Throws Error when it cannot.
    explicit Reaper(const TeardownPaths& paths);

    // Dismisses the watchdog (the owner has torn down the server itself),
    // then waits up to 2 s for it to exit and reaps it. In a forked copy of
    // the owner, only closes this copy's end of the socket. Never throws.
    ~Reaper();

    Reaper(const Reaper&) = delete;
    Reaper& operator=(const Reaper&) = delete;

    pid_t pid() const { return m_pid; }

private:
    int m_socket = -1;
    pid_t m_pid = -1;
    pid_t m_owner_pid = -1;
};

} // namespace ecluse::scratch_detail
