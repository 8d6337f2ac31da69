#include "scratch/abandoned.hpp"

#include "scratch/teardown.hpp"
#include "util/file.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace ecluse::scratch_detail {

namespace fs = std::filesystem;

namespace {

constexpr const char* k_owner_file = "owner";
constexpr std::string_view k_folder_prefix = "ecluse-scratch-";

// When a process started, in clock ticks since boot (field 22 of
// /proc/PID/stat); nullopt when there is no such process.
std::optional<unsigned long long> start_time(pid_t pid) {
    // A /proc file's size is 0: read as a stream, not by util/file.
    std::ifstream file("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(file, stat)) {
        return std::nullopt;
    }
    // The command name, field 2, is in parentheses and may hold anything.
    std::size_t end = stat.rfind(')');
    if (end == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(stat.substr(end + 1));
    std::string field;
    for (int index = 3; index < 22 && fields >> field; ++index) {
    }
    unsigned long long ticks = 0;
    if (!(fields >> ticks)) {
        return std::nullopt;
    }
    return ticks;
}

// Whether the process recorded as `pid` started at `ticks` still runs.
bool still_running(pid_t pid, unsigned long long ticks) {
    return process_alive(pid) && start_time(pid) == ticks;
}

// Whether a folder's owner file names a process that still runs; nullopt
// when there is no readable owner file.
std::optional<bool> watched(const fs::path& folder) {
    std::optional<std::string> text;
    try {
        text = read_file_if_exists(folder / k_owner_file, 4096);
    } catch (...) {
        return std::nullopt;
    }
    if (!text) {
        return std::nullopt;
    }
    std::istringstream lines(*text);
    std::string role;
    long long pid = 0;
    unsigned long long ticks = 0;
    int read = 0;
    bool running = false;
    while (lines >> role >> pid >> ticks) {
        ++read;
        running = running || still_running(static_cast<pid_t>(pid), ticks);
    }
    if (read == 0) {
        return std::nullopt;
    }
    return running;
}

} // namespace

void write_owner_file(const fs::path& folder, pid_t watchdog) {
    std::string text;
    for (auto [role, pid] : {std::pair<const char*, pid_t>{"ecluse", ::getpid()},
                             std::pair<const char*, pid_t>{"watchdog", watchdog}}) {
        if (auto ticks = start_time(pid)) {
            text +=
                std::string(role) + " " + std::to_string(pid) + " " + std::to_string(*ticks) + "\n";
        }
    }
    write_file_atomically(folder / k_owner_file, text);
}

std::vector<fs::path> reap_abandoned(const fs::path& base, uid_t owner) {
    std::vector<fs::path> reaped;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(base, error)) {
        const fs::path& folder = entry.path();
        struct stat info {};
        if (folder.filename().string().rfind(k_folder_prefix, 0) != 0 ||
            ::lstat(folder.c_str(), &info) != 0 || !S_ISDIR(info.st_mode) || info.st_uid != owner) {
            continue;
        }
        if (watched(folder) != std::optional<bool>(false)) {
            continue;
        }
        fs::path data = folder / "data";
        stop_postmaster((data / "postmaster.pid").c_str(), data.c_str());
        remove_tree(folder.c_str());
        reaped.push_back(folder);
    }
    return reaped;
}

} // namespace ecluse::scratch_detail
