#include "scratch/teardown.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <ctime>

namespace ecluse::scratch_detail {

namespace {

constexpr long k_poll_interval_ns = 5'000'000; // 5 ms between checks
constexpr int k_quit_grace_polls = 1000;       // 5 s for an immediate shutdown
constexpr int k_kill_grace_polls = 400;        // 2 s after SIGKILL
constexpr int k_max_tree_depth = 16;           // a cluster is about 4 levels deep
constexpr std::size_t k_proc_path_size = 64;

void sleep_briefly() noexcept {
    timespec delay{0, k_poll_interval_ns};
    while (::nanosleep(&delay, &delay) != 0 && errno == EINTR) {
    }
}

// "/proc/<pid>/<leaf>", built without allocating.
void proc_path(char (&out)[k_proc_path_size], pid_t pid, const char* leaf) noexcept {
    char digits[24];
    int count = 0;
    auto value = static_cast<unsigned long>(pid);
    do {
        digits[count++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value != 0);
    std::size_t at = 0;
    for (const char* c = "/proc/"; *c != '\0'; ++c) {
        out[at++] = *c;
    }
    while (count > 0) {
        out[at++] = digits[--count];
    }
    out[at++] = '/';
    for (const char* c = leaf; *c != '\0' && at + 1 < k_proc_path_size; ++c) {
        out[at++] = *c;
    }
    out[at] = '\0';
}

bool procfs_mounted() noexcept {
    return ::access("/proc/self/stat", F_OK) == 0;
}

// The pid on the first line of a postmaster.pid file, or 0.
pid_t read_postmaster_pid(const char* pid_file) noexcept {
    int fd = ::open(pid_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    char buffer[32];
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    ::close(fd);
    long value = 0;
    for (ssize_t i = 0; i < got && buffer[i] >= '0' && buffer[i] <= '9'; ++i) {
        value = value * 10 + (buffer[i] - '0');
        if (value > (1L << 30)) {
            return 0;
        }
    }
    return static_cast<pid_t>(value);
}

// True when the working directory of `pid` is `directory`: the postmaster
// changes into its data directory at startup.
bool works_in(pid_t pid, const char* directory) noexcept {
    struct stat expected {};
    if (::stat(directory, &expected) != 0) {
        return false;
    }
    char path[k_proc_path_size];
    proc_path(path, pid, "cwd");
    struct stat actual {};
    if (::stat(path, &actual) != 0) {
        // Without procfs the pid file is all there is to go by.
        return !procfs_mounted();
    }
    return actual.st_dev == expected.st_dev && actual.st_ino == expected.st_ino;
}

bool wait_until_gone(pid_t pid, int polls) noexcept {
    for (int i = 0; i < polls; ++i) {
        if (!process_alive(pid)) {
            return true;
        }
        sleep_briefly();
    }
    return !process_alive(pid);
}

bool is_dot_or_dot_dot(const char* name) noexcept {
    return name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

bool remove_entry(int parent_fd, const char* name, int depth) noexcept;

// Empties the folder open as `fd`. Listings restart after removals, since
// removing entries while reading a folder may make the listing skip some.
void remove_children(int fd, int depth) noexcept {
    alignas(dirent64) char buffer[2048];
    bool removed_any = true;
    while (removed_any) {
        removed_any = false;
        if (::lseek(fd, 0, SEEK_SET) != 0) {
            return;
        }
        for (;;) {
            ssize_t got = ::getdents64(fd, buffer, sizeof buffer);
            if (got <= 0) {
                break;
            }
            for (ssize_t offset = 0; offset < got;) {
                const auto* entry = reinterpret_cast<const dirent64*>(buffer + offset);
                offset += entry->d_reclen;
                if (!is_dot_or_dot_dot(entry->d_name) && remove_entry(fd, entry->d_name, depth)) {
                    removed_any = true;
                }
            }
        }
    }
}

// Removes the entry `name` of the folder open as `parent_fd`; true when it
// is gone.
bool remove_entry(int parent_fd, const char* name, int depth) noexcept {
    if (::unlinkat(parent_fd, name, 0) == 0 || errno == ENOENT) {
        return true;
    }
    if (errno != EISDIR && errno != EPERM) {
        return false;
    }
    if (depth < k_max_tree_depth) {
        int fd = ::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) {
            remove_children(fd, depth + 1);
            ::close(fd);
        }
    }
    return ::unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT;
}

} // namespace

bool process_alive(pid_t pid) noexcept {
    if (pid <= 0) {
        return false;
    }
    char path[k_proc_path_size];
    proc_path(path, pid, "stat");
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (procfs_mounted()) {
            return false;
        }
        return ::kill(pid, 0) == 0 || errno == EPERM;
    }
    // "pid (command) S ...": the state follows the last ')'.
    char buffer[512];
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    ::close(fd);
    ssize_t last_paren = -1;
    for (ssize_t i = 0; i < got; ++i) {
        if (buffer[i] == ')') {
            last_paren = i;
        }
    }
    if (last_paren < 0 || last_paren + 2 >= got) {
        return got > 0;
    }
    char state = buffer[last_paren + 2];
    return state != 'Z' && state != 'X' && state != 'x';
}

void stop_postmaster(const char* pid_file, const char* data_directory) noexcept {
    pid_t pid = read_postmaster_pid(pid_file);
    if (!process_alive(pid) || !works_in(pid, data_directory)) {
        return;
    }
    ::kill(pid, SIGQUIT);
    if (wait_until_gone(pid, k_quit_grace_polls)) {
        return;
    }
    ::kill(pid, SIGKILL);
    wait_until_gone(pid, k_kill_grace_polls);
}

void remove_tree(const char* path) noexcept {
    remove_entry(AT_FDCWD, path, 0);
}

} // namespace ecluse::scratch_detail
