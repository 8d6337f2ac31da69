#include "util/file.hpp"

#include "util/error.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <utility>

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

private:
    int m_fd;
};

[[noreturn]] void throw_io(const std::filesystem::path& path, const char* doing, int error) {
    throw InputError(SourceLocation{path.string()},
                     std::string("cannot ") + doing + ": " + std::strerror(error));
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

} // namespace

std::optional<std::string> read_file_if_exists(const std::filesystem::path& path) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) {
            return std::nullopt;
        }
        throw_io(path, "open the file", errno);
    }
    // Revision files are small: one read into a generous buffer usually
    // gets all of it, so a file costs three system calls (open, read,
    // close), which is what history of 20,000 files is made of.
    // The buffer is kept per thread: resizing a new string to 64 KiB zeroed
    // it for every file, which cost more than reading the file.
    thread_local std::string content;
    std::size_t filled = 0;
    std::size_t capacity = std::max<std::size_t>(64 * 1024, content.size());
    while (true) {
        content.resize(capacity);
        ssize_t got = ::read(fd.get(), content.data() + filled, capacity - filled);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_io(path, "read the file", errno);
        }
        filled += static_cast<std::size_t>(got);
        if (filled < capacity) {
            break; // a short read of a regular file is its end
        }
        capacity *= 2;
    }
    return std::string(content.data(), filled);
}

std::string read_file(const std::filesystem::path& path) {
    auto content = read_file_if_exists(path);
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
