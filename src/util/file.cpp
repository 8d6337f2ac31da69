#include "util/file.hpp"

#include "util/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

namespace ecluse {

namespace {

// Closes a file descriptor on every path out of a scope.
class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : m_fd(fd) {}
    ~FileDescriptor() {
        if (m_fd >= 0) {
            ::close(m_fd);
        }
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return m_fd; }
    int release() { return std::exchange(m_fd, -1); }

private:
    int m_fd;
};

[[noreturn]] void throw_io(const std::filesystem::path& path, const char* doing, int error) {
    throw InputError(SourceLocation{path.string()},
                     std::string("cannot ") + doing + ": " + std::strerror(error));
}

[[noreturn]] void throw_too_large(const std::string& shown, std::size_t limit) {
    throw InputError(SourceLocation{shown},
                     "larger than " + std::to_string(limit / (1024 * 1024)) + " MiB",
                     "ecluse reads files of at most " + std::to_string(limit / (1024 * 1024)) +
                         " MiB: split it into smaller files");
}

const char* file_kind(mode_t mode) {
    if (S_ISDIR(mode)) {
        return "a folder";
    }
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    if (S_ISCHR(mode) || S_ISBLK(mode)) {
        return "a device";
    }
    return "not a file";
}

// Opens a regular file for reading, and fills `info`: -1 when it does not
// exist. O_NONBLOCK, so that opening a FIFO returns at once instead of
// waiting for a writer; the file is refused before anything is read.
int open_regular_file(int folder_fd, const char* name, const std::string& shown,
                      struct stat& info) {
    int fd = ::openat(folder_fd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno == ENOENT) {
            return -1;
        }
        throw_io(shown, "open the file", errno);
    }
    FileDescriptor owned(fd);
    if (::fstat(fd, &info) != 0) {
        throw_io(shown, "read the file", errno);
    }
    if (!S_ISREG(info.st_mode)) {
        throw InputError(SourceLocation{shown},
                         std::string("not a regular file (") + file_kind(info.st_mode) + ")",
                         "ecluse reads only regular files and symbolic links to them: replace it "
                         "with a regular file, or remove it");
    }
    return owned.release();
}

// The process's umask, read without changing it (umask() would, for every
// thread): from /proc, else the usual 022.
mode_t current_umask() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("Umask:", 0) == 0) {
            return static_cast<mode_t>(std::strtoul(line.c_str() + 6, nullptr, 8));
        }
    }
    return 022;
}

// What a buffer starts at: most revision files fit in one read.
constexpr std::size_t k_small_file = 64 * 1024;

// Reads the whole of `name`, relative to the folder open as `folder_fd`
// (AT_FDCWD: relative to the current directory), into `buffer`, which
// keeps its size from call to call (no clearing, no shrinking). Returns the
// file's length, or nullopt when it does not exist; `info` gets its status.
// Errors name the file as `shown`.
std::optional<std::size_t> read_file_at(int folder_fd, const char* name, const std::string& shown,
                                        std::string& buffer, struct stat& info, std::size_t limit) {
    FileDescriptor fd(open_regular_file(folder_fd, name, shown, info));
    if (fd.get() < 0) {
        return std::nullopt;
    }
    if (static_cast<std::uintmax_t>(info.st_size) > limit) {
        throw_too_large(shown, limit);
    }
    // Revision files are small: one read into a generous buffer usually
    // gets all of it, so a file costs four system calls (open, fstat, read,
    // close), which is what history of 20,000 files is made of. The read
    // asks for one byte more than the size, and never for more than one
    // byte past the limit, so a file that grows is still bounded.
    std::size_t cap = limit + 1;
    std::size_t wanted = std::min(static_cast<std::size_t>(info.st_size) + 1, cap);
    if (buffer.size() < wanted) {
        buffer.resize(std::max<std::size_t>(wanted, std::min<std::size_t>(k_small_file, cap)));
    }
    std::size_t filled = 0;
    while (true) {
        std::size_t end = std::min(buffer.size(), cap);
        if (filled == end) {
            if (filled >= cap) {
                throw_too_large(shown, limit);
            }
            buffer.resize(std::min(buffer.size() * 2, cap));
            continue;
        }
        ssize_t got = ::read(fd.get(), buffer.data() + filled, end - filled);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_io(shown, "read the file", errno);
        }
        filled += static_cast<std::size_t>(got);
        if (got == 0 || filled < end) {
            break; // a short read of a regular file is its end
        }
    }
    return filled;
}

} // namespace

std::optional<std::string> read_file_if_exists(const std::filesystem::path& path,
                                               std::size_t limit) {
    // Small files go through a buffer kept per thread, then are copied out:
    // resizing a new string to 64 KiB zeroed it for every file, which cost
    // more than reading the file. A larger buffer is handed over whole
    // instead (the cache file is megabytes: no second copy, and the thread
    // does not keep it).
    thread_local std::string buffer;
    struct stat info {};
    auto size = read_file_at(AT_FDCWD, path.c_str(), path.string(), buffer, info, limit);
    if (!size) {
        return std::nullopt;
    }
    if (buffer.size() <= k_small_file) {
        return buffer.substr(0, *size);
    }
    std::string content = std::exchange(buffer, std::string());
    content.resize(*size);
    return content;
}

std::string read_file(const std::filesystem::path& path, std::size_t limit) {
    auto content = read_file_if_exists(path, limit);
    if (!content) {
        throw_io(path, "open the file", ENOENT);
    }
    return std::move(*content);
}

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
    // A temporary name of its own, so that two processes writing the same
    // file at once (the cache, the conflict file from a hook) each rename a
    // whole file into place instead of writing into one shared temporary.
    std::string temporary = path.string() + ".ecluse-tmp.XXXXXX";
    {
        FileDescriptor fd(::mkostemp(temporary.data(), O_CLOEXEC));
        if (fd.get() < 0) {
            throw_io(path, "write the file", errno);
        }
        struct stat info {};
        mode_t mode =
            ::stat(path.c_str(), &info) == 0 ? info.st_mode & 07777 : 0644 & ~current_umask();
        std::size_t written = 0;
        int error = ::fchmod(fd.get(), mode) == 0 ? 0 : errno;
        while (error == 0 && written < content.size()) {
            ssize_t done = ::write(fd.get(), content.data() + written, content.size() - written);
            if (done < 0 && errno != EINTR) {
                error = errno;
            } else if (done > 0) {
                written += static_cast<std::size_t>(done);
            }
        }
        if (error != 0) {
            ::unlink(temporary.c_str());
            throw_io(path, "write the file", error);
        }
    }
    if (::rename(temporary.c_str(), path.c_str()) != 0) {
        int error = errno;
        ::unlink(temporary.c_str());
        throw_io(path, "replace the file", error);
    }
}

} // namespace ecluse
