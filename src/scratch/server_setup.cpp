#include "scratch/server_setup.hpp"

#include "scratch/scratch_server.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

#include <grp.h>
#include <linux/magic.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace ecluse {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_debian_server_root = "/usr/lib/postgresql";
constexpr const char* k_install_hint =
    "install postgresql-15 (apt-get install postgresql-15), or set ECLUSE_PG_BINDIR to the "
    "folder that holds initdb and pg_ctl";

bool is_executable_file(const fs::path& path) {
    std::error_code error;
    return fs::is_regular_file(path, error) && ::access(path.c_str(), X_OK) == 0;
}

bool has_server_programs(const fs::path& bindir) {
    return is_executable_file(bindir / "initdb") && is_executable_file(bindir / "pg_ctl") &&
           is_executable_file(bindir / "postgres");
}

// "15" -> {15}, "9.6" -> {9, 6}; nullopt when the name is not a version.
std::optional<std::vector<int>> parse_version(const std::string& name) {
    std::vector<int> parts;
    for (const auto& part : split(name, '.')) {
        if (part.empty() || part.size() > 6 ||
            !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return std::nullopt;
        }
        parts.push_back(std::stoi(part));
    }
    return parts;
}

std::optional<fs::path> newest_debian_bindir() {
    std::optional<fs::path> best;
    std::vector<int> best_version;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(k_debian_server_root, error)) {
        auto version = parse_version(entry.path().filename().string());
        fs::path bindir = entry.path() / "bin";
        if (version && (!best || *version > best_version) && has_server_programs(bindir)) {
            best = bindir;
            best_version = *version;
        }
    }
    return best;
}

} // namespace

namespace scratch_detail {

namespace {

constexpr const char* k_folder_template = "ecluse-scratch-XXXXXX";
constexpr const char* k_socket_name = "/.s.PGSQL.5432";

// A program in one of PATH's folders, then in `extra_folders`.
std::optional<fs::path> find_program(const std::string& name,
                                     const std::vector<std::string>& extra_folders = {}) {
    const char* path_variable = std::getenv("PATH");
    std::vector<std::string> folders = split(path_variable == nullptr ? "" : path_variable, ':');
    folders.insert(folders.end(), extra_folders.begin(), extra_folders.end());
    for (const auto& folder : folders) {
        fs::path candidate = fs::path(folder.empty() ? "." : folder) / name;
        if (is_executable_file(candidate)) {
            return candidate;
        }
    }
    return std::nullopt;
}

std::vector<gid_t> groups_of(const char* name, gid_t gid) {
    int count = 32;
    std::vector<gid_t> groups(static_cast<std::size_t>(count));
    while (::getgrouplist(name, gid, groups.data(), &count) < 0) {
        groups.resize(static_cast<std::size_t>(count));
    }
    groups.resize(static_cast<std::size_t>(count));
    return groups;
}

// Whether `user` may search a folder with these owner and mode bits
// (the owner's bits apply to the owner, then the group's, then others').
bool may_search(const struct stat& folder, const ServerUser& user) {
    if (folder.st_uid == user.uid) {
        return (folder.st_mode & S_IXUSR) != 0;
    }
    if (std::find(user.groups.begin(), user.groups.end(), folder.st_gid) != user.groups.end()) {
        return (folder.st_mode & S_IXGRP) != 0;
    }
    return (folder.st_mode & S_IXOTH) != 0;
}

// Why `folder` and its parents cannot all be searched by `user`, or "".
std::string untraversable_reason(const fs::path& folder, const ServerUser& user) {
    for (fs::path at = folder;; at = at.parent_path()) {
        struct stat info {};
        if (::stat(at.c_str(), &info) != 0 || !may_search(info, user)) {
            return at.string() + " cannot be searched by the " + user.name +
                   " user (it needs the x permission)";
        }
        if (at == at.root_path()) {
            return {};
        }
    }
}

// Why `candidate` cannot hold the scratch folder, or "".
std::string unusable_reason(const std::string& candidate, const ServerUser& user,
                            fs::path& resolved) {
    if (candidate.empty() || candidate.front() != '/') {
        return "not an absolute path";
    }
    std::error_code error;
    resolved = fs::canonical(candidate, error);
    if (error || !fs::is_directory(resolved, error)) {
        return "not an existing folder";
    }
    const std::string text = resolved.string();
    for (char c : text) {
        if (c == '"' || c == '$' || c == '`' || c == '\\' || static_cast<unsigned char>(c) < 0x20 ||
            c == 0x7f) {
            return "its path holds a character pg_ctl cannot quote (\" $ ` \\ or a control "
                   "character)";
        }
    }
    constexpr std::size_t k_socket_path_max = sizeof(sockaddr_un::sun_path) - 1;
    std::size_t socket_length =
        text.size() + 1 + std::strlen(k_folder_template) + std::strlen(k_socket_name);
    if (socket_length > k_socket_path_max) {
        return "too long: the socket path in it would exceed " + std::to_string(k_socket_path_max) +
               " bytes";
    }
    if (!user.command_prefix.empty()) {
        return untraversable_reason(resolved, user);
    }
    if (::access(text.c_str(), W_OK | X_OK) != 0) {
        return std::string("not writable: ") + std::strerror(errno);
    }
    return {};
}

} // namespace

ServerUser server_user() {
    ServerUser user;
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    if (::geteuid() != 0) {
        user.uid = ::geteuid();
        user.gid = ::getegid();
        ::getpwuid_r(user.uid, &entry, buffer.data(), buffer.size(), &found);
        user.name = found != nullptr ? found->pw_name : "uid " + std::to_string(user.uid);
        user.groups =
            found != nullptr ? groups_of(found->pw_name, user.gid) : std::vector<gid_t>{user.gid};
        return user;
    }
    ::getpwnam_r("postgres", &entry, buffer.data(), buffer.size(), &found);
    if (found == nullptr) {
        throw OperationFailed(
            "running as root, and there is no `postgres` user to run the scratch server "
            "as (initdb refuses to run as root)",
            "install postgresql-15 (it creates the user), or run ecluse as an ordinary "
            "user");
    }
    auto runuser = find_program("runuser", {"/usr/sbin", "/sbin"});
    if (!runuser) {
        throw OperationFailed(
            "running as root, and runuser is not found to run the scratch server as the "
            "`postgres` user",
            "install util-linux, or run ecluse as an ordinary user");
    }
    user.name = "postgres";
    user.uid = found->pw_uid;
    user.gid = found->pw_gid;
    user.groups = groups_of("postgres", user.gid);
    user.command_prefix = {runuser->string(), "-u", "postgres", "--"};
    return user;
}

bool is_roomy_memory_folder(const char* path) {
    struct statfs kind {};
    struct statvfs space {};
    return ::statfs(path, &kind) == 0 && kind.f_type == TMPFS_MAGIC &&
           ::statvfs(path, &space) == 0 &&
           static_cast<unsigned long long>(space.f_bavail) * space.f_frsize >= k_memory_folder_room;
}

fs::path choose_temporary_base(const ServerUser& user) {
    std::vector<std::string> candidates;
    for (const char* variable : {"ECLUSE_SCRATCH_DIR", "TMPDIR"}) {
        if (const char* value = std::getenv(variable); value != nullptr && *value != '\0') {
            candidates.emplace_back(value);
        }
    }
    // A throwaway server is fastest in memory: creating a database creates
    // hundreds of files, which costs a disk file system far more.
    if (is_roomy_memory_folder("/dev/shm")) {
        candidates.emplace_back("/dev/shm");
    }
    candidates.emplace_back("/tmp");
    std::vector<Diagnostic> refusals;
    for (const auto& candidate : candidates) {
        fs::path resolved;
        std::string reason = unusable_reason(candidate, user, resolved);
        if (reason.empty()) {
            return resolved;
        }
        refusals.push_back(Diagnostic{{}, candidate + ": " + reason, {}, false});
    }
    throw OperationFailed("no folder can hold the scratch server's files",
                          "set ECLUSE_SCRATCH_DIR to a short folder that the " + user.name +
                              " user can reach",
                          refusals);
}

fs::path make_private_folder(const fs::path& base, const ServerUser& user) {
    std::string path = (base / k_folder_template).string();
    if (::mkdtemp(path.data()) == nullptr) {
        throw OperationFailed("cannot make the scratch server's folder in " + base.string() + ": " +
                                  std::strerror(errno),
                              "set TMPDIR to a folder you can write to");
    }
    if (user.uid != ::geteuid() && ::chown(path.c_str(), user.uid, user.gid) != 0) {
        int error = errno;
        ::rmdir(path.c_str());
        throw OperationFailed("cannot give the scratch server's folder " + path + " to the " +
                              user.name + " user: " + std::strerror(error));
    }
    return path;
}

} // namespace scratch_detail

fs::path find_server_bindir() {
    if (const char* chosen = std::getenv("ECLUSE_PG_BINDIR");
        chosen != nullptr && *chosen != '\0') {
        std::error_code error;
        fs::path bindir = fs::absolute(chosen, error);
        if (error || !has_server_programs(bindir)) {
            throw OperationFailed(
                std::string("ECLUSE_PG_BINDIR is ") + chosen +
                    ", which does not hold PostgreSQL's initdb, pg_ctl and postgres",
                "point ECLUSE_PG_BINDIR at a PostgreSQL bin folder such as "
                "/usr/lib/postgresql/15/bin, or unset it");
        }
        return bindir;
    }
    if (auto bindir = newest_debian_bindir()) {
        return *bindir;
    }
    if (auto initdb = scratch_detail::find_program("initdb")) {
        std::error_code error;
        fs::path resolved = fs::canonical(*initdb, error).parent_path();
        if (!error && has_server_programs(resolved)) {
            return resolved;
        }
        if (has_server_programs(initdb->parent_path())) {
            return fs::absolute(initdb->parent_path());
        }
    }
    throw OperationFailed(
        "no PostgreSQL server programs (initdb, pg_ctl) found for the scratch server",
        k_install_hint);
}

} // namespace ecluse
