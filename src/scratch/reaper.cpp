#include "scratch/reaper.hpp"

#include "scratch/teardown.hpp"
#include "util/error.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>

namespace ecluse::scratch_detail {

namespace {

constexpr char k_dismissed = 'd';
constexpr int k_exit_wait_polls = 2000; // 1 ms each
constexpr unsigned k_close_loop_limit = 65536;

// Default actions for every signal, then ignore those that would end the
// watchdog before its owner: a Ctrl-C reaches the whole process group, a
// shutdown sends SIGTERM to everything, and the owner's end closes anyway.
void set_watchdog_signals() noexcept {
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    for (int signal = 1; signal < NSIG; ++signal) {
        if (signal != SIGKILL && signal != SIGSTOP) {
            ::sigaction(signal, &action, nullptr);
        }
    }
    action.sa_handler = SIG_IGN;
    for (int signal : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGTSTP, SIGTTIN, SIGTTOU}) {
        ::sigaction(signal, &action, nullptr);
    }
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

void close_range_of_fds(unsigned first, unsigned last) noexcept {
    if (first > last || ::close_range(first, last, 0) == 0) {
        return;
    }
    unsigned top = k_close_loop_limit;
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < top) {
        top = static_cast<unsigned>(limit.rlim_cur);
    }
    for (unsigned fd = first; fd <= last && fd < top; ++fd) {
        ::close(static_cast<int>(fd));
    }
}

// Leaves the watchdog with /dev/null as stdin, stdout and stderr and
// `socket` as its only other file, moved to descriptor 3 (returned).
int keep_only(int socket) noexcept {
    int kept = ::fcntl(socket, F_DUPFD_CLOEXEC, 3);
    if (kept < 0) {
        return -1;
    }
    int null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; ++fd) {
        if (null_fd < 0) {
            ::close(fd);
        } else if (null_fd != fd) {
            ::dup2(null_fd, fd);
        }
    }
    auto kept_fd = static_cast<unsigned>(kept);
    if (kept_fd > 3) {
        close_range_of_fds(3, kept_fd - 1);
    }
    close_range_of_fds(kept_fd + 1, UINT_MAX);
    if (kept != 3) {
        ::dup2(kept, 3);
        ::close(kept);
    }
    return 3;
}

[[noreturn]] void watch(int socket, const TeardownPaths& paths) noexcept {
    ::setsid();
    set_watchdog_signals();
    int kept = keep_only(socket);
    if (kept < 0) {
        ::_exit(1);
    }
    // Not pinning the owner's working directory; failing changes nothing.
    (void)!::chdir("/");
    char message = 0;
    for (;;) {
        ssize_t got = ::read(kept, &message, 1);
        if (got == 1 && message == k_dismissed) {
            ::_exit(0);
        }
        if (got == 0 || (got < 0 && errno != EINTR)) {
            break;
        }
    }
    stop_postmaster(paths.pid_file.c_str(), paths.data_directory.c_str());
    remove_tree(paths.folder.c_str());
    ::_exit(0);
}

} // namespace

Reaper::Reaper(const TeardownPaths& paths) {
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) {
        throw OperationFailed(std::string("cannot start the scratch server's watchdog: "
                                          "socketpair: ") +
                              std::strerror(errno));
    }
    // Signals stay blocked until the watchdog has set its own dispositions,
    // so that a Ctrl-C arriving during the fork cannot end it.
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t pid = ::fork();
    if (pid != 0) {
        ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    }
    if (pid < 0) {
        int error = errno;
        ::close(ends[0]);
        ::close(ends[1]);
        throw OperationFailed(std::string("cannot start the scratch server's watchdog: "
                                          "fork: ") +
                              std::strerror(error));
    }
    if (pid == 0) {
        watch(ends[1], paths);
    }
    ::close(ends[1]);
    m_socket = ends[0];
    m_pid = pid;
    m_owner_pid = ::getpid();
}

Reaper::~Reaper() {
    if (m_socket < 0) {
        return;
    }
    if (::getpid() != m_owner_pid) {
        ::close(m_socket);
        return;
    }
    // MSG_NOSIGNAL: a watchdog that is already gone must not SIGPIPE us.
    (void)::send(m_socket, &k_dismissed, 1, MSG_NOSIGNAL);
    ::close(m_socket);
    for (int i = 0; i < k_exit_wait_polls; ++i) {
        int status = 0;
        pid_t done = ::waitpid(m_pid, &status, WNOHANG);
        if (done == m_pid || (done < 0 && errno != EINTR)) {
            return;
        }
        timespec delay{0, 1'000'000};
        ::nanosleep(&delay, nullptr);
    }
}

} // namespace ecluse::scratch_detail
