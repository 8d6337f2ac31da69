#pragma once

// Internal to src/scratch: stopping a scratch server and removing its
// folder. Everything here is async-signal-safe (system calls only, no
// allocation), so the same code runs in ~ScratchServer and in the watchdog
// forked from a possibly multi-threaded process.

#include <sys/types.h>

namespace ecluse::scratch_detail {

// True when `pid` names a running process; a zombie is not running.
bool process_alive(pid_t pid) noexcept;

// Stops the postmaster whose pid is on the first line of `pid_file`, if it
// is running and its working directory is `data_directory` (so that a pid
// reused by another process is never signalled): SIGQUIT (immediate
// shutdown), then SIGKILL when it is still running 5 s later. Returns when
// it is gone, or 2 s after the SIGKILL.
void stop_postmaster(const char* pid_file, const char* data_directory) noexcept;

// Removes `path` and everything below it, without following symlinks.
// Entries that cannot be removed are left; nothing is reported.
void remove_tree(const char* path) noexcept;

} // namespace ecluse::scratch_detail
