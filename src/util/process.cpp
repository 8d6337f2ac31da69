#include "util/process.hpp"

#include "util/error.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <string_view>

extern char** environ;

namespace ecluse {

namespace {

struct Pipe {
    int read_end = -1;
    int write_end = -1;

    Pipe() {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            throw OperationFailed(std::string("cannot create a pipe: ") + std::strerror(errno));
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

// What a child process is started with.
struct ChildSpec {
    const std::vector<std::string>& argv;
    const std::filesystem::path& working_directory;
    const std::map<std::string, std::string>& extra_environment;
    int stdin_fd;
    int stdout_fd;
    int stderr_fd;
    bool own_process_group; // so that signals can reach it and its children
};

// In a forked child: the program's standard streams, folder and
// environment, then exec. On failure, errno goes to `failure_fd`. Only
// async-signal-safe calls: the parent may have threads.
[[noreturn]] void exec_program(const ChildSpec& spec, char** args, char** env, int failure_fd) {
    struct sigaction default_pipe {};
    default_pipe.sa_handler = SIG_DFL;
    ::sigaction(SIGPIPE, &default_pipe, nullptr); // ecluse may ignore it; the program must not
    ::dup2(spec.stdin_fd, 0);
    ::dup2(spec.stdout_fd, 1);
    ::dup2(spec.stderr_fd, 2);
    if (!spec.working_directory.empty() && ::chdir(spec.working_directory.c_str()) != 0) {
        int error = errno;
        (void)!::write(failure_fd, &error, sizeof error);
        ::_exit(127);
    }
    environ = env;
    ::execvp(args[0], args);
    int error = errno;
    (void)!::write(failure_fd, &error, sizeof error);
    ::_exit(127);
}

// In a forked child leading its own process group: runs the program as its
// own child and waits for it, exiting with its exit code (128 + the signal
// that ended it). Should ecluse die without a chance to stop the group
// (SIGKILL), the kernel tells this process (SIGHUP, PR_SET_PDEATHSIG),
// which sends SIGTERM to the whole group, the program's own children
// included, and SIGKILL 5 s later. Signals ecluse forwards to the group
// reach the program directly; this process only consumes them. Only
// async-signal-safe calls.
[[noreturn]] void supervise(const ChildSpec& spec, pid_t parent, char** args, char** env,
                            int failure_fd) {
    sigset_t watched;
    sigset_t original;
    sigemptyset(&watched);
    for (int signal : {SIGCHLD, SIGHUP, SIGINT, SIGTERM, SIGQUIT}) {
        sigaddset(&watched, signal);
    }
    ::sigprocmask(SIG_BLOCK, &watched, &original);
    ::prctl(PR_SET_PDEATHSIG, SIGHUP);
    if (::getppid() != parent) {
        ::_exit(127); // it died already
    }
    pid_t program = ::fork();
    if (program < 0) {
        int error = errno;
        (void)!::write(failure_fd, &error, sizeof error);
        ::_exit(127);
    }
    if (program == 0) {
        ::sigprocmask(SIG_SETMASK, &original, nullptr);
        exec_program(spec, args, env, failure_fd);
    }
    // Nothing of ecluse's stays open here: not its database sockets (whose
    // sessions must end with ecluse), nor the pipes the program writes to.
    ::dup2(spec.stdin_fd, 0);
    ::dup2(spec.stdin_fd, 1);
    ::dup2(spec.stdin_fd, 2);
    if (::close_range(3, ~0U, 0) != 0) {
        for (int fd = 3; fd < 65536; ++fd) {
            ::close(fd);
        }
    }
    auto exit_as = [](int status) {
        ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    };
    for (;;) {
        int signal = 0;
        if (::sigwait(&watched, &signal) != 0) {
            continue;
        }
        int status = 0;
        if (signal == SIGCHLD && ::waitpid(program, &status, WNOHANG) == program) {
            exit_as(status);
        }
        if (signal == SIGHUP && ::getppid() != parent) {
            ::kill(0, SIGTERM); // the group; blocked here
            sigset_t child;
            sigemptyset(&child);
            sigaddset(&child, SIGCHLD);
            struct timespec tick {
                0, 100'000'000
            };
            for (int i = 0; i < 50 && ::waitpid(program, &status, WNOHANG) != program; ++i) {
                ::sigtimedwait(&child, nullptr, &tick);
            }
            ::kill(0, SIGKILL); // what is left of the group, this process too
            ::_exit(137);
        }
    }
}

// Forks and execs; returns the child's pid once the program has started.
// Throws Error (having reaped the child) when it cannot start.
pid_t spawn(const ChildSpec& spec) {
    const std::vector<std::string>& argv = spec.argv;
    if (argv.empty()) {
        throw OperationFailed("internal error: starting a process without a program");
    }
    Pipe exec_failure;
    std::vector<std::string> environment = child_environment(spec.extra_environment);
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

    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0) {
        throw OperationFailed(std::string("cannot start ") + argv[0] + ": " + std::strerror(errno));
    }
    if (pid == 0) {
        if (spec.own_process_group) {
            ::setpgid(0, 0);
            supervise(spec, parent, arg_pointers.data(), env_pointers.data(),
                      exec_failure.write_end);
        }
        exec_program(spec, arg_pointers.data(), env_pointers.data(), exec_failure.write_end);
    }
    if (spec.own_process_group) {
        ::setpgid(pid, pid); // also here, so that it holds before any signal is sent
    }
    exec_failure.close_write();
    int exec_error = 0;
    if (::read(exec_failure.read_end, &exec_error, sizeof exec_error) ==
        static_cast<ssize_t>(sizeof exec_error)) {
        int status = 0;
        while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
        }
        std::string where =
            spec.working_directory.empty() ? "" : " in " + spec.working_directory.string();
        throw OperationFailed("cannot run " + argv[0] + where + ": " + std::strerror(exec_error),
                              "is it installed, executable and on PATH (or given by its path)?");
    }
    return pid;
}

// Waits for a child; its exit code, or 128 + the signal that ended it.
int wait_for(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Cuts a stream of bytes into lines for a callback, in time linear in the
// bytes and with bounded memory: a line longer than k_longest_line comes in
// pieces of at most that size, each cut at a UTF-8 character boundary.
class LineSplitter {
public:
    using Callback = std::function<void(OutputStream, const std::string&)>;
    LineSplitter(OutputStream stream, const Callback& on_line)
        : m_stream(stream), m_on_line(on_line) {}

    void add(std::string_view data) {
        std::size_t searched = m_pending.size(); // holds no line end
        m_pending.append(data);
        std::size_t start = 0;
        for (std::size_t end;
             (end = m_pending.find('\n', std::max(start, searched))) != std::string::npos;
             start = end + 1) {
            emit(m_pending.substr(start, end - start));
        }
        m_pending.erase(0, start);
        while (m_pending.size() >= k_longest_line) {
            std::size_t cut = k_longest_line;
            for (int back = 0;
                 back < 3 && (static_cast<unsigned char>(m_pending[cut]) & 0xC0) == 0x80; ++back) {
                --cut;
            }
            emit(m_pending.substr(0, cut));
            m_pending.erase(0, cut);
        }
    }
    void finish() {
        if (!m_pending.empty()) {
            emit(m_pending);
            m_pending.clear();
        }
    }

private:
    void emit(std::string line) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (m_on_line) {
            m_on_line(m_stream, line);
        }
    }

    static constexpr std::size_t k_longest_line = 65536;

    OutputStream m_stream;
    const Callback& m_on_line;
    std::string m_pending;
};

} // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    Pipe in, out, err;
    pid_t pid = spawn({argv, options.working_directory, options.extra_environment, in.read_end,
                       out.write_end, err.write_end, false});
    in.close_read();
    out.close_write();
    err.close_write();

    ProcessResult result;
    struct sigaction ignore_pipe {};
    struct sigaction previous {};
    ignore_pipe.sa_handler = SIG_IGN;
    ::sigaction(SIGPIPE, &ignore_pipe, &previous);
    pump(in, out, err, options.input, result);
    ::sigaction(SIGPIPE, &previous, nullptr);
    result.exit_code = wait_for(pid);
    return result;
}

StreamResult stream_process(const std::vector<std::string>& argv, const StreamOptions& options,
                            const std::function<void(OutputStream, const std::string&)>& on_line) {
    Pipe out, err;
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t pid = -1;
    try {
        pid = spawn({argv, options.working_directory, options.extra_environment, null_fd,
                     out.write_end, err.write_end, true});
    } catch (...) {
        ::close(null_fd);
        throw;
    }
    ::close(null_fd);
    out.close_write();
    err.close_write();

    StreamResult result;
    LineSplitter lines[2] = {{OutputStream::out, on_line}, {OutputStream::err, on_line}};
    auto started = std::chrono::steady_clock::now();
    std::optional<std::chrono::steady_clock::time_point> terminated_at, exited_at;
    std::optional<int> status;
    std::array<char, 65536> buffer{};
    while (out.read_end >= 0 || err.read_end >= 0 || !status) {
        if (options.signal_to_forward) {
            if (int signal = options.signal_to_forward(); signal != 0 && !status) {
                ::kill(-pid, signal);
                result.forwarded_signal = signal;
            }
        }
        auto now = std::chrono::steady_clock::now();
        if (options.timeout.count() > 0 && !status && !terminated_at &&
            now - started >= options.timeout) {
            ::kill(-pid, SIGTERM);
            result.timed_out = true;
            terminated_at = now;
        }
        if (options.keep_running && !status && !terminated_at && !options.keep_running()) {
            ::kill(-pid, SIGTERM);
            result.stopped = true;
            terminated_at = now;
        }
        if (terminated_at && !status && now - *terminated_at >= options.kill_grace) {
            ::kill(-pid, SIGKILL);
        }
        if (!status) {
            int raw = 0;
            if (::waitpid(pid, &raw, WNOHANG) == pid) {
                status = raw;
                exited_at = now;
            }
        }
        // A descendant that left the process group may keep the pipes open
        // after the program itself ended: stop listening to it after a while.
        if (exited_at && now - *exited_at > std::chrono::seconds(2)) {
            break;
        }
        std::array<pollfd, 2> fds{};
        fds[0] = {out.read_end, POLLIN, 0};
        fds[1] = {err.read_end, POLLIN, 0};
        int ready = ::poll(fds.data(), fds.size(), 100);
        if (ready < 0 && errno != EINTR) {
            break;
        }
        for (int i = 0; i < 2 && ready > 0; ++i) {
            if (fds[i].revents == 0) {
                continue;
            }
            Pipe& source = i == 0 ? out : err;
            ssize_t got = ::read(source.read_end, buffer.data(), buffer.size());
            if (got > 0) {
                lines[i].add(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
            } else if (got == 0 || errno != EINTR) {
                source.close_read();
            }
        }
    }
    lines[0].finish();
    lines[1].finish();
    if (!status) {
        result.exit_code = wait_for(pid);
    } else {
        result.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
    }
    return result;
}

namespace {

volatile std::sig_atomic_t g_last_signal = 0;
volatile std::sig_atomic_t g_signal_count = 0;
struct sigaction g_previous_int {};
struct sigaction g_previous_term {};
struct sigaction g_previous_pipe {};

extern "C" void record_signal(int signal) {
    g_last_signal = signal;
    g_signal_count = g_signal_count + 1;
}

} // namespace

SignalCatcher::SignalCatcher() {
    g_last_signal = 0;
    g_signal_count = 0;
    struct sigaction action {};
    action.sa_handler = record_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, &g_previous_int);
    ::sigaction(SIGTERM, &action, &g_previous_term);
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    ::sigaction(SIGPIPE, &ignore, &g_previous_pipe);
}

SignalCatcher::~SignalCatcher() {
    ::sigaction(SIGINT, &g_previous_int, nullptr);
    ::sigaction(SIGTERM, &g_previous_term, nullptr);
    ::sigaction(SIGPIPE, &g_previous_pipe, nullptr);
}

int SignalCatcher::last_signal() {
    return g_last_signal;
}

int SignalCatcher::count() {
    return g_signal_count;
}

std::filesystem::path current_executable() {
    std::error_code error;
    auto path = std::filesystem::read_symlink("/proc/self/exe", error);
    return error ? std::filesystem::path("ecluse") : path;
}

} // namespace ecluse
