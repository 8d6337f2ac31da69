#pragma once

// Internal to src/scratch: scratch runs whose ecluse and watchdog were both
// killed (a container's whole process tree, `kill -9` of a process group)
// leave a folder and a running server that nobody watches any more. Each
// folder records who watches it; a later scratch server reaps the
// abandoned ones.

#include <sys/types.h>

#include <filesystem>
#include <vector>

namespace ecluse::scratch_detail {

// Records in `folder` that this process and its watchdog watch it, each by
// pid and start time (so that a reused pid is never taken for them).
void write_owner_file(const std::filesystem::path& folder, pid_t watchdog);

// Stops the server and removes the folder of every scratch run in `base`,
// owned by `owner`, whose recorded ecluse and watchdog are both gone; a
// folder without an owner file (being made, or an older ecluse's) is left.
// Returns the folders removed. Never throws.
std::vector<std::filesystem::path> reap_abandoned(const std::filesystem::path& base, uid_t owner);

} // namespace ecluse::scratch_detail
