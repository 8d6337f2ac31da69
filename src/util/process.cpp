#include "util/process.hpp"

#include "util/error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace ecluse {

namespace {

struct Pipe {
    int read_end = -1;
    int write_end = -1;

    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            throw Error(k_exit_failed,
                        std::string("cannot create a pipe: ") + std::strerror(errno));
        }
        read_end = fds[0];
        write_end = fds[1];
    }
    ~Pipe() {
        close_read();
        close_write();
    }
    Pipe(const Pipe&) = delete;
    Pipe& operator=(const Pipe&) = delete;
    void close_read() {
        if (read_end >= 0) {
            ::close(read_end);
            read_end = -1;
        }
    }
    void close_write() {
        if (write_end >= 0) {
            ::close(write_end);
            write_end = -1;
        }
    }
};

std::vector<std::string> child_environment(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> entries;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        std::string text(*entry);
        auto name = text.substr(0, text.find('='));
        if (extra.find(name) == extra.end()) {
            entries.push_back(std::move(text));
        }
    }
    for (const auto& [name, value] : extra) {
        entries.push_back(name + "=" + value);
    }
    return entries;
}

// Pumps stdin, stdout and stderr until both outputs are closed.
void pump(Pipe& in, Pipe& out, Pipe& err, const std::string& input, ProcessResult& result) {
    std::size_t input_written = 0;
    if (input.empty()) {
        in.close_write();
    }
    std::array<char, 65536> buffer{};
    while (out.read_end >= 0 || err.read_end >= 0) {
        std::array<pollfd, 3> fds{};
        fds[0] = {out.read_end, POLLIN, 0};
        fds[1] = {err.read_end, POLLIN, 0};
        fds[2] = {in.write_end, POLLOUT, 0};
        if (::poll(fds.data(), fds.size(), -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (fds[2].revents != 0) {
            ssize_t done =
                ::write(in.write_end, input.data() + input_written, input.size() - input_written);
            if (done > 0) {
                input_written += static_cast<std::size_t>(done);
            }
            if (done < 0 || input_written == input.size()) {
                in.close_write();
            }
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            Pipe& source = i == 0 ? out : err;
            ssize_t got = ::read(source.read_end, buffer.data(), buffer.size());
            if (got > 0) {
                (i == 0 ? result.output : result.errors).append(buffer.data(), got);
            } else if (got == 0 || errno != EINTR) {
                source.close_read();
            }
        }
    }
}

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) {
        throw Error(k_exit_failed, "internal error: run_process without a program");
    }
    Pipe in, out, err, exec_failure;
    std::vector<std::string> environment = child_environment(options.extra_environment);
    std::vector<char*> env_pointers;
    for (auto& entry : environment) {
        env_pointers.push_back(entry.data());
    }
    env_pointers.push_back(nullptr);
    std::vector<char*> arg_pointers;
    for (const auto& arg : argv) {
        arg_pointers.push_back(const_cast<char*>(arg.c_str()));
    }
    arg_pointers.push_back(nullptr);

    pid_t pid = ::fork();
    if (pid < 0) {
        throw Error(k_exit_failed,
                    std::string("cannot start ") + argv[0] + ": " + std::strerror(errno));
    }
    if (pid == 0) {
        ::dup2(in.read_end, 0);
        ::dup2(out.write_end, 1);
        ::dup2(err.write_end, 2);
        if (!options.working_directory.empty() && ::chdir(options.working_directory.c_str()) != 0) {
            int error = errno;
            (void)!::write(exec_failure.write_end, &error, sizeof error);
            ::_exit(127);
        }
        environ = env_pointers.data();
        ::execvp(arg_pointers[0], arg_pointers.data());
        int error = errno;
        (void)!::write(exec_failure.write_end, &error, sizeof error);
        ::_exit(127);
    }
    in.close_read();
    out.close_write();
    err.close_write();
    exec_failure.close_write();

    int exec_error = 0;
    bool failed_to_start = ::read(exec_failure.read_end, &exec_error, sizeof exec_error) ==
                           static_cast<ssize_t>(sizeof exec_error);

    ProcessResult result;
    struct sigaction ignore_pipe {};
    struct sigaction previous {};
    ignore_pipe.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore_pipe, &previous);
    pump(in, out, err, options.input, result);
    ::sigaction(SIGPIPE, &previous, nullptr);

    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (failed_to_start) {
        throw Error(k_exit_failed, "cannot run " + argv[0] + ": " + std::strerror(exec_error),
                    "is it installed and on PATH?");
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

std::filesystem::path current_executable() {
    std::error_code error;
    auto path = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::filesystem::path("ecluse") : path;
}

} // namespace ecluse
