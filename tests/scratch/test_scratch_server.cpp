// The scratch server against the machine's real PostgreSQL programs: what a
// started server offers, that it is private, that it goes away with the
// object, and that the watchdog removes it when its owner dies instead.

#include "scratch/scratch_server.hpp"
#include "scratch/server_setup.hpp"
#include "util/error.hpp"
#include "util/process.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <thread>

namespace fs = std::filesystem;
using ecluse::Error;
using ecluse::ScratchServer;

namespace {

constexpr auto k_cleanup_deadline = std::chrono::seconds(15);

// Sets (or unsets, with nullopt) an environment variable for a scope.
class EnvironmentGuard {
public:
    EnvironmentGuard(std::string name, const std::optional<std::string>& value)
        : m_name(std::move(name)) {
        if (const char* old = std::getenv(m_name.c_str())) {
            m_old = old;
        }
        if (value) {
            ::setenv(m_name.c_str(), value->c_str(), 1);
        } else {
            ::unsetenv(m_name.c_str());
        }
    }
    ~EnvironmentGuard() {
        if (m_old) {
            ::setenv(m_name.c_str(), m_old->c_str(), 1);
        } else {
            ::unsetenv(m_name.c_str());
        }
    }
    EnvironmentGuard(const EnvironmentGuard&) = delete;
    EnvironmentGuard& operator=(const EnvironmentGuard&) = delete;

private:
    std::string m_name;
    std::optional<std::string> m_old;
};

// A folder under /tmp that the postgres user can search, removed at the end.
class SharedTempDir {
public:
    SharedTempDir() {
        std::string path = "/tmp/ecluse-scratch-test-XXXXXX";
        REQUIRE(::mkdtemp(path.data()) != nullptr);
        ::chmod(path.c_str(), 0755);
        m_path = path;
    }
    ~SharedTempDir() {
        std::error_code error;
        fs::remove_all(m_path, error);
    }
    SharedTempDir(const SharedTempDir&) = delete;
    SharedTempDir& operator=(const SharedTempDir&) = delete;
    const fs::path& path() const { return m_path; }

private:
    fs::path m_path;
};

void write_script(const fs::path& path, const std::string& body) {
    std::ofstream(path) << "#!/bin/sh\n" << body;
    fs::permissions(path, fs::perms(0755));
}

ecluse::ProcessResult psql(const std::string& url, const std::string& sql) {
    return ecluse::run_process({"psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql, url});
}

// The user the server runs as: postgres when we are root.
uid_t expected_server_uid() {
    if (::geteuid() != 0) {
        return ::geteuid();
    }
    const passwd* entry = ::getpwnam("postgres");
    REQUIRE(entry != nullptr);
    return entry->pw_uid;
}

// /proc/<pid>/stat split after the command name: state, ppid, pgrp, session.
struct ProcessInfo {
    char state = '?';
    pid_t parent = 0;
    pid_t group = 0;
    pid_t session = 0;
};

std::optional<ProcessInfo> process_info(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto paren = text.rfind(')');
    if (paren == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(text.substr(paren + 2));
    ProcessInfo info;
    fields >> info.state >> info.parent >> info.group >> info.session;
    return info;
}

// Running: exists and is not a zombie (nothing may reap orphans here).
bool running(pid_t pid) {
    auto info = process_info(pid);
    return info && info->state != 'Z' && info->state != 'X';
}

std::vector<pid_t> running_processes_where(const std::function<bool(pid_t)>& match) {
    std::vector<pid_t> found;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string name = entry.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        pid_t pid = std::stoi(name);
        if (running(pid) && match(pid)) {
            found.push_back(pid);
        }
    }
    return found;
}

std::vector<pid_t> children_of(pid_t parent) {
    return running_processes_where([parent](pid_t pid) {
        auto info = process_info(pid);
        return info && info->parent == parent;
    });
}

std::vector<pid_t> processes_running(const fs::path& program) {
    return running_processes_where([&program](pid_t pid) {
        std::error_code error;
        auto exe = fs::read_symlink("/proc/" + std::to_string(pid) + "/exe", error);
        return !error && exe == program;
    });
}

bool eventually(const std::function<bool()>& condition) {
    auto deadline = std::chrono::steady_clock::now() + k_cleanup_deadline;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

std::string start_error_message() {
    try {
        ScratchServer::start();
    } catch (const Error& error) {
        return error.what();
    }
    FAIL("ScratchServer::start() did not throw");
    return {};
}

bool is_empty_folder(const fs::path& path) {
    return fs::is_directory(path) && fs::directory_iterator(path) == fs::directory_iterator();
}

// scratch_probe in its own process group, after it printed its server.
struct Probe {
    pid_t pid = -1;
    fs::path folder;
    pid_t postmaster = 0;
};

fs::path probe_program() {
    const char* path = std::getenv("SCRATCH_PROBE");
    REQUIRE_MESSAGE(path != nullptr, "SCRATCH_PROBE must name the scratch_probe program");
    return fs::canonical(path);
}

Probe start_probe(const std::string& mode) {
    fs::path program = probe_program();
    int out[2];
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::setpgid(0, 0);
        ::dup2(out[1], 1);
        ::execl(program.c_str(), program.c_str(), mode.c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    ::setpgid(pid, pid);
    ::close(out[1]);
    std::string text;
    char buffer[256];
    for (;;) {
        pollfd ready{out[0], POLLIN, 0};
        if (::poll(&ready, 1, 60'000) <= 0) {
            break;
        }
        ssize_t got = ::read(out[0], buffer, sizeof buffer);
        if (got <= 0) {
            break;
        }
        text.append(buffer, static_cast<std::size_t>(got));
        if (std::count(text.begin(), text.end(), '\n') >= 2) {
            break;
        }
    }
    ::close(out[0]);
    Probe probe;
    probe.pid = pid;
    std::istringstream lines(text);
    std::string folder;
    std::getline(lines, folder);
    probe.folder = folder;
    lines >> probe.postmaster;
    REQUIRE_MESSAGE(probe.postmaster > 0, "scratch_probe printed: " << text);
    REQUIRE(fs::is_directory(probe.folder));
    REQUIRE(running(probe.postmaster));
    return probe;
}

int wait_for_exit(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return status;
}

// The probe is gone; its watchdog must stop the server, remove the folder
// and end.
void check_cleaned_up(const Probe& probe) {
    CHECK(eventually([&] { return !running(probe.postmaster); }));
    CHECK(eventually([&] { return !fs::exists(probe.folder); }));
    CHECK(eventually([&] { return processes_running(probe_program()).empty(); }));
}

// Kills the probe's whole process group, as a terminal does with Ctrl-C.
void check_killed_probe_cleans_up(int signal) {
    Probe probe = start_probe("sleep");
    REQUIRE(::kill(-probe.pid, signal) == 0);
    int status = wait_for_exit(probe.pid);
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == signal);
    check_cleaned_up(probe);
}

} // namespace

TEST_SUITE("ScratchServer") {

    TEST_CASE("a started server answers psql through its URL") {
        auto server = ScratchServer::start();
        const fs::path& folder = server->socket_directory();
        // $ECLUSE_SCRATCH_DIR or $TMPDIR when it suits a socket path, else
        // /dev/shm when it is a roomy tmpfs, else /tmp (tested below).
        const char* asked = std::getenv("ECLUSE_SCRATCH_DIR");
        asked = asked != nullptr ? asked : std::getenv("TMPDIR");
        std::error_code error;
        fs::path fallback = ecluse::scratch_detail::is_roomy_memory_folder("/dev/shm")
                                ? fs::path("/dev/shm")
                                : fs::canonical("/tmp");
        fs::path expected_base = asked != nullptr ? fs::canonical(asked, error) : fallback;
        CHECK((folder.parent_path() == expected_base || folder.parent_path() == fallback));
        CHECK(folder.filename().string().rfind("ecluse-scratch-", 0) == 0);
        CHECK(server->port() == 5432);
        CHECK(server->data_directory() == folder / "data");

        std::string encoded;
        for (char c : folder.string()) {
            encoded += c == '/' ? std::string("%2F") : std::string(1, c);
        }
        CHECK(server->url() == "postgresql://postgres@/postgres?host=" + encoded + "&port=5432");
        CHECK(server->url("my db") ==
              "postgresql://postgres@/my%20db?host=" + encoded + "&port=5432");

        auto result = psql(server->url(), "select 1");
        CHECK(result.errors == "");
        CHECK(result.output == "1\n");
        CHECK(result.exit_code == 0);
    }

    TEST_CASE("the socket folder is private, there is no TCP and durability is off") {
        auto server = ScratchServer::start();
        const fs::path& folder = server->socket_directory();
        struct stat info {};
        REQUIRE(::stat(folder.c_str(), &info) == 0);
        CHECK((info.st_mode & 07777) == 0700);
        CHECK(info.st_uid == expected_server_uid());
        CHECK(fs::is_socket(folder / ".s.PGSQL.5432"));

        auto result = psql(server->url(), "select current_setting('listen_addresses') || '|' || "
                                          "current_setting('port') || '|' || "
                                          "current_setting('unix_socket_directories') || '|' || "
                                          "current_setting('fsync') || '|' || "
                                          "current_setting('synchronous_commit') || '|' || "
                                          "current_setting('full_page_writes') || '|' || "
                                          "current_setting('max_connections')");
        CHECK(result.output == "|5432|\"" + folder.string() + "\"|off|off|off|100\n");
        CHECK(result.exit_code == 0);

        // The postmaster does not share our session, so a Ctrl-C cannot reach it.
        auto postmaster = process_info(server->postmaster_pid());
        REQUIRE(postmaster);
        CHECK(postmaster->session != ::getsid(0));
        CHECK(postmaster->group != ::getpgrp());
    }

    TEST_CASE("destroying the server stops the postmaster and removes its folder") {
        auto server = ScratchServer::start();
        fs::path folder = server->socket_directory();
        pid_t postmaster = server->postmaster_pid();
        REQUIRE(running(postmaster));
        REQUIRE(fs::is_directory(folder));

        server.reset();
        CHECK_FALSE(running(postmaster));
        CHECK_FALSE(fs::exists(folder));
    }

    TEST_CASE("the watchdog runs in its own session, ignores SIGINT and is reaped at the end") {
        REQUIRE(children_of(::getpid()).empty());
        auto server = ScratchServer::start();
        auto children = children_of(::getpid());
        REQUIRE(children.size() == 1);
        pid_t watchdog = children.front();
        auto info = process_info(watchdog);
        REQUIRE(info);
        CHECK(info->session == watchdog);
        CHECK(info->session != ::getsid(0));

        REQUIRE(::kill(watchdog, SIGINT) == 0);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CHECK(running(watchdog));

        // Its only files are /dev/null on 0, 1, 2 and its end of the socket.
        std::vector<std::string> fds;
        for (const auto& entry :
             fs::directory_iterator("/proc/" + std::to_string(watchdog) + "/fd")) {
            fds.push_back(entry.path().filename().string() + " " +
                          fs::read_symlink(entry.path()).string());
        }
        std::sort(fds.begin(), fds.end());
        REQUIRE(fds.size() == 4);
        CHECK(fds[0] == "0 /dev/null");
        CHECK(fds[1] == "1 /dev/null");
        CHECK(fds[2] == "2 /dev/null");
        CHECK(fds[3].rfind("3 socket:", 0) == 0);

        server.reset();
        CHECK(children_of(::getpid()).empty());
        CHECK(process_info(watchdog) == std::nullopt);
    }

    TEST_CASE("two servers run side by side, each with its own databases") {
        auto first = ScratchServer::start();
        auto second = ScratchServer::start();
        CHECK(first->socket_directory() != second->socket_directory());
        CHECK(first->postmaster_pid() != second->postmaster_pid());

        CHECK(psql(first->url(), "create table only_here (id int)").exit_code == 0);
        CHECK(psql(first->url(), "select count(*) from only_here").output == "0\n");
        auto missing = psql(second->url(), "select count(*) from only_here");
        CHECK(missing.exit_code != 0);
        CHECK(missing.errors.find("relation \"only_here\" does not exist") != std::string::npos);

        fs::path first_folder = first->socket_directory();
        first.reset();
        CHECK_FALSE(fs::exists(first_folder));
        CHECK(psql(second->url(), "select 2").output == "2\n");
    }

} // TEST_SUITE("ScratchServer")

TEST_SUITE("scratch setup") {

    TEST_CASE("find_server_bindir finds initdb, pg_ctl and postgres") {
        EnvironmentGuard no_choice("ECLUSE_PG_BINDIR", std::nullopt);
        fs::path bindir = ecluse::find_server_bindir();
        CHECK(::access((bindir / "initdb").c_str(), X_OK) == 0);
        CHECK(::access((bindir / "pg_ctl").c_str(), X_OK) == 0);
        CHECK(::access((bindir / "postgres").c_str(), X_OK) == 0);
        if (fs::exists("/usr/lib/postgresql")) {
            CHECK(bindir.parent_path().parent_path() == "/usr/lib/postgresql");
        }
    }

    TEST_CASE("find_server_bindir takes ECLUSE_PG_BINDIR and says what to do when it is wrong") {
        SharedTempDir fake;
        for (const char* program : {"initdb", "pg_ctl", "postgres"}) {
            write_script(fake.path() / program, "exit 0\n");
        }
        {
            EnvironmentGuard chosen("ECLUSE_PG_BINDIR", fake.path().string());
            CHECK(ecluse::find_server_bindir() == fake.path());
        }
        EnvironmentGuard wrong("ECLUSE_PG_BINDIR", "/nonexistent/bin");
        try {
            ecluse::find_server_bindir();
            FAIL("find_server_bindir() did not throw");
        } catch (const Error& error) {
            CHECK(std::string(error.what()) ==
                  "ECLUSE_PG_BINDIR is /nonexistent/bin, which does not hold PostgreSQL's initdb, "
                  "pg_ctl and postgres");
            CHECK(error.hint() == "point ECLUSE_PG_BINDIR at a PostgreSQL bin folder such as "
                                  "/usr/lib/postgresql/15/bin, or unset it");
        }
    }

    TEST_CASE("ECLUSE_SCRATCH_DIR holds the folder before TMPDIR") {
        SharedTempDir chosen;
        SharedTempDir other;
        EnvironmentGuard scratch_dir("ECLUSE_SCRATCH_DIR", chosen.path().string());
        EnvironmentGuard tmpdir("TMPDIR", other.path().string());
        auto server = ScratchServer::start();
        CHECK(server->socket_directory().parent_path() == chosen.path());
        CHECK(psql(server->url(), "select 1").output == "1\n");
        CHECK(is_empty_folder(other.path()));
    }

    TEST_CASE("TMPDIR holds the folder, unless a socket path in it would be too long") {
        SharedTempDir short_folder;
        {
            EnvironmentGuard tmpdir("TMPDIR", short_folder.path().string());
            auto server = ScratchServer::start();
            CHECK(server->socket_directory().parent_path() == short_folder.path());
            CHECK(psql(server->url(), "select 1").output == "1\n");
        }
        CHECK(is_empty_folder(short_folder.path()));

        fs::path long_folder = short_folder.path() / std::string(80, 'x');
        fs::create_directory(long_folder);
        fs::permissions(long_folder, fs::perms(0755));
        EnvironmentGuard tmpdir("TMPDIR", long_folder.string());
        auto server = ScratchServer::start();
        CHECK(server->socket_directory().parent_path() ==
              (ecluse::scratch_detail::is_roomy_memory_folder("/dev/shm") ? fs::path("/dev/shm")
                                                                          : fs::canonical("/tmp")));
        CHECK(psql(server->url(), "select 1").output == "1\n");
    }

    TEST_CASE("a failing initdb is reported with its output, and nothing is left behind") {
        SharedTempDir bindir;
        SharedTempDir tmpdir;
        write_script(bindir.path() / "initdb", "echo 'initdb: error: boom' >&2\nexit 1\n");
        write_script(bindir.path() / "pg_ctl", "exit 0\n");
        write_script(bindir.path() / "postgres", "exit 0\n");
        EnvironmentGuard chosen("ECLUSE_PG_BINDIR", bindir.path().string());
        EnvironmentGuard tmp("TMPDIR", tmpdir.path().string());

        std::string message = start_error_message();
        std::string head = "cannot start the scratch server: initdb failed with exit code 1\n"
                           "  command: ";
        CHECK(message.substr(0, head.size()) == head);
        CHECK(message.find((bindir.path() / "initdb").string() + " -D " + tmpdir.path().string() +
                           "/ecluse-scratch-") != std::string::npos);
        std::string tail = "/data -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync\n"
                           "  | initdb: error: boom";
        CHECK(message.size() > tail.size());
        CHECK(message.substr(message.size() - tail.size()) == tail);
        CHECK(is_empty_folder(tmpdir.path()));
        CHECK(children_of(::getpid()).empty());
    }

    TEST_CASE("a failing pg_ctl is reported with its output and the server log") {
        fs::path real = ecluse::find_server_bindir();
        SharedTempDir bindir;
        SharedTempDir tmpdir;
        fs::create_symlink(real / "initdb", bindir.path() / "initdb");
        fs::create_symlink(real / "postgres", bindir.path() / "postgres");
        write_script(bindir.path() / "pg_ctl", "echo 'FATAL:  fake failure' >> \"$4\"\n"
                                               "echo 'pg_ctl: could not start server' >&2\n"
                                               "exit 1\n");
        EnvironmentGuard chosen("ECLUSE_PG_BINDIR", bindir.path().string());
        EnvironmentGuard tmp("TMPDIR", tmpdir.path().string());

        std::string message = start_error_message();
        std::string head = "cannot start the scratch server: pg_ctl start failed with exit code 1\n"
                           "  command: ";
        CHECK(message.substr(0, head.size()) == head);
        std::string tail = "/log -w -t 60 start\n"
                           "  | pg_ctl: could not start server\n"
                           "  server log:\n"
                           "  | FATAL:  fake failure";
        CHECK(message.size() > tail.size());
        CHECK(message.substr(message.size() - tail.size()) == tail);
        CHECK(is_empty_folder(tmpdir.path()));
    }

} // TEST_SUITE("scratch setup")

TEST_SUITE("reaper") {

    TEST_CASE("SIGKILL of the owner: the watchdog stops the server and removes the folder") {
        check_killed_probe_cleans_up(SIGKILL);
    }

    TEST_CASE("owner and watchdog both killed: the next scratch server stops what they left "
              "and removes the folder") {
        Probe probe = start_probe("sleep");
        std::ifstream owner(probe.folder / "owner");
        std::string role;
        pid_t watchdog = 0;
        unsigned long long ticks = 0;
        while (owner >> role >> watchdog >> ticks && role != "watchdog") {
        }
        REQUIRE(role == "watchdog");
        REQUIRE(running(watchdog));
        REQUIRE(::kill(watchdog, SIGKILL) == 0);
        REQUIRE(::kill(probe.pid, SIGKILL) == 0);
        wait_for_exit(probe.pid);
        CHECK(eventually([&] { return !running(watchdog); }));
        // Nobody watches them any more.
        CHECK(running(probe.postmaster));
        CHECK(fs::exists(probe.folder));

        auto next = ScratchServer::start();
        CHECK(eventually([&] { return !running(probe.postmaster); }));
        CHECK_FALSE(fs::exists(probe.folder));
        CHECK(fs::exists(next->socket_directory()));
    }

    TEST_CASE("SIGTERM of the owner: the watchdog stops the server and removes the folder") {
        check_killed_probe_cleans_up(SIGTERM);
    }

    TEST_CASE("Ctrl-C (SIGINT to the process group): the watchdog stops the server") {
        check_killed_probe_cleans_up(SIGINT);
    }

    TEST_CASE("a crash of the owner: the watchdog stops the server and removes the folder") {
        Probe probe = start_probe("abort");
        int status = wait_for_exit(probe.pid);
        REQUIRE(WIFSIGNALED(status));
        CHECK(WTERMSIG(status) == SIGABRT);
        check_cleaned_up(probe);
    }

    TEST_CASE("exit without destroying the server: the watchdog stops it and removes the folder") {
        Probe probe = start_probe("exit");
        int status = wait_for_exit(probe.pid);
        REQUIRE(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
        check_cleaned_up(probe);
    }

} // TEST_SUITE("reaper")
