#pragma once

// Internal to src/scratch: who runs the scratch server and where its
// folder goes.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace ecluse::scratch_detail {

// The user the server runs as: the current one, or `postgres` (through
// runuser) when the current user is root, since initdb refuses root.
struct ServerUser {
    std::string name;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;               // every group of the user, gid included
    std::vector<std::string> command_prefix; // put before each server command; empty: none
};

// Throws Error when running as root and there is no `postgres` user, or no
// runuser to become it.
ServerUser server_user();

// A memory file system (tmpfs) with at least this much room holds the
// scratch server when no folder is asked for.
inline constexpr unsigned long long k_memory_folder_room = 1ULL << 30;
bool is_roomy_memory_folder(const char* path);

// The folder to make the scratch folder in: $ECLUSE_SCRATCH_DIR, $TMPDIR,
// /dev/shm when it is a tmpfs with k_memory_folder_room free, then /tmp,
// whichever comes first that is an absolute existing folder, short enough
// for the socket path (at most 107 bytes), free of the characters pg_ctl
// cannot quote (" $ ` \ and control characters), and traversable by `user`
// (writable too when that is the current user). Symlinks resolved. Throws
// Error saying why each candidate was refused.
std::filesystem::path choose_temporary_base(const ServerUser& user);

// Makes a new folder "ecluse-scratch-XXXXXX" in `base`, mode 0700, owned by
// `user`. Throws Error.
std::filesystem::path make_private_folder(const std::filesystem::path& base,
                                          const ServerUser& user);

} // namespace ecluse::scratch_detail
