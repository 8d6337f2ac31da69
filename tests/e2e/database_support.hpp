#pragma once

// Helpers for the end-to-end tests of the database side: one scratch server
// per test executable, one fresh database per test case, small projects
// written file by file, psql to look at the database, and ecluse started in
// the background for the tests that kill it or race it.

#include "scratch/scratch_server.hpp"
#include "tests/support/e2e.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace ecluse::test {

// The server shared by every test case of this executable, started on
// first use and removed at exit.
inline ScratchServer& scratch_server() {
    static std::unique_ptr<ScratchServer> server = ScratchServer::start();
    return *server;
}

// Runs one psql command (-X: no ~/.psqlrc; -At: bare values, one row a
// line, columns separated by |) and returns its output without the last
// newline. Throws when psql fails, so that a broken query fails the test
// instead of reading as "no rows".
inline std::string psql(const std::string& url, const std::string& sql) {
    ProcessResult result =
        run_process({"/usr/bin/psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql});
    if (result.exit_code != 0) {
        throw std::runtime_error("psql failed on `" + sql + "`: " + result.errors);
    }
    std::string out = result.output;
    if (!out.empty() && out.back() == '\n') {
        out.pop_back();
    }
    return out;
}

// A new, empty database on the scratch server; returns its URL.
inline std::string create_database() {
    static int counter = 0;
    std::string name = "test_" + std::to_string(++counter);
    psql(scratch_server().url(), "CREATE DATABASE " + name);
    return scratch_server().url(name);
}

// Whether a relation (table, index, ...) exists: `relation` as to_regclass
// reads it.
inline bool relation_exists(const std::string& url, const std::string& relation) {
    return psql(url, "SELECT to_regclass('" + relation + "') IS NOT NULL") == "t";
}

// How many revisions the ledger records (0 when the ledger does not exist).
inline int ledger_rows(const std::string& url, const std::string& where = "true") {
    std::string exists = psql(url, "SELECT to_regclass('ecluse.applied_revision') IS NOT NULL");
    if (exists != "t") {
        return 0;
    }
    return std::stoi(psql(url, "SELECT count(*) FROM ecluse.applied_revision WHERE " + where));
}

// Polls `condition` every 50 ms; false when it did not hold within `timeout`.
inline bool wait_until(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return condition();
}

// The 1-based number of the first line of `text` containing `needle`.
inline int line_of(const std::string& text, const std::string& needle) {
    auto at = text.find(needle);
    REQUIRE_MESSAGE(at != std::string::npos, needle);
    return 1 +
           static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

// The 1-based column of `needle` in its line of `text`.
inline int column_of(const std::string& text, const std::string& needle) {
    auto at = text.find(needle);
    REQUIRE_MESSAGE(at != std::string::npos, needle);
    auto line_start = text.rfind('\n', at);
    return static_cast<int>(at - (line_start == std::string::npos ? 0 : line_start + 1)) + 1;
}

inline bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

// One revision to write into a project.
struct RevisionSpec {
    RevisionSpec(std::string id_, std::string branch_, std::string message_, std::string upgrade_,
                 std::optional<std::string> downgrade_ = std::string(),
                 std::vector<std::string> depends_on_ = {}, bool no_transaction_ = false)
        : id(std::move(id_)), branch(std::move(branch_)), message(std::move(message_)),
          upgrade(std::move(upgrade_)), downgrade(std::move(downgrade_)),
          depends_on(std::move(depends_on_)), no_transaction(no_transaction_) {}

    std::string id;                       // 12 hex characters
    std::string branch;                   // pre or post
    std::string message;                  // also the file name's slug
    std::string upgrade;                  // the upgrade section's SQL
    std::optional<std::string> downgrade; // none: no downgrade section
    std::vector<std::string> depends_on;
    bool no_transaction = false;
};

// A project in a temporary folder (`ecluse init --no-hook` run in it) whose
// revisions are written by hand, each on top of its branch's head, and
// whose conflict file is kept up to date.
class Project {
public:
    Project() {
        ProcessResult init = run_ecluse(root(), {"init", "--no-hook"});
        if (init.exit_code != 0) {
            throw std::runtime_error("ecluse init failed: " + init.errors);
        }
    }

    const std::filesystem::path& root() const { return m_dir.path(); }

    // Writes the revision on top of its branch's head; returns its path.
    std::filesystem::path add(const RevisionSpec& spec) {
        std::string parent = m_heads.count(spec.branch) != 0 ? m_heads[spec.branch] : "none";
        std::string slug = spec.message;
        std::replace(slug.begin(), slug.end(), ' ', '_');
        char timestamp[32];
        std::snprintf(timestamp, sizeof timestamp, "20260101T%06d", ++m_files);
        std::filesystem::path path = root() / "migrations" / spec.branch /
                                     (std::string(timestamp) + "_" + spec.id + "_" + slug + ".sql");
        write(path, render(spec, parent));
        m_heads[spec.branch] = spec.id;
        rewrite_conflict_file();
        return path;
    }

    // The file content of a revision, as add() writes it.
    static std::string render(const RevisionSpec& spec, const std::string& parent) {
        std::string text = "-- revision: " + spec.id + "\n-- down_revision: " + parent + "\n";
        if (!spec.depends_on.empty()) {
            std::string list;
            for (const auto& dependency : spec.depends_on) {
                list += (list.empty() ? "" : ", ") + dependency;
            }
            text += "-- depends_on: " + list + "\n";
        }
        text += "-- message: " + spec.message + "\n";
        text += std::string("-- transaction: ") + (spec.no_transaction ? "none" : "per-migration") +
                "\n";
        text += "\n-- ecluse:upgrade\n" + spec.upgrade;
        if (spec.downgrade) {
            text += "\n-- ecluse:downgrade\n" + *spec.downgrade;
        }
        return text;
    }

    // Removes a revision's file and makes `new_head` its branch's head
    // ("" for none).
    void remove(const std::filesystem::path& path, const std::string& branch,
                const std::string& new_head) {
        std::filesystem::remove(path);
        if (new_head.empty()) {
            m_heads.erase(branch);
        } else {
            m_heads[branch] = new_head;
        }
        rewrite_conflict_file();
    }

private:
    void rewrite_conflict_file() {
        std::string text;
        for (const char* branch : {"pre", "post"}) {
            if (m_heads.count(branch) != 0) {
                text += m_heads[branch] + " (" + branch + ") (head)\n";
            }
        }
        write(root() / "alembic_version_conflict_detection.txt", text);
    }

    TempDir m_dir;
    std::map<std::string, std::string> m_heads;
    int m_files = 0;
};

// ecluse (or any program) running in the background, its output collected
// in files. Killed with SIGKILL if still running when destroyed.
class Spawned {
public:
    Spawned(const std::vector<std::string>& argv, const std::filesystem::path& cwd) {
        std::string out = (m_files.path() / "out").string();
        std::string err = (m_files.path() / "err").string();
        int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (out_fd < 0 || err_fd < 0 || null_fd < 0) {
            throw std::runtime_error("cannot open the output files of a background process");
        }
        std::vector<char*> args;
        for (const auto& arg : argv) {
            args.push_back(const_cast<char*>(arg.c_str()));
        }
        args.push_back(nullptr);
        std::string dir = cwd.string();
        m_pid = ::fork();
        if (m_pid == 0) {
            ::dup2(null_fd, 0);
            ::dup2(out_fd, 1);
            ::dup2(err_fd, 2);
            if (::chdir(dir.c_str()) != 0) {
                ::_exit(126);
            }
            ::execvp(args[0], args.data());
            ::_exit(127);
        }
        ::close(out_fd);
        ::close(err_fd);
        ::close(null_fd);
        if (m_pid < 0) {
            throw std::runtime_error("fork failed");
        }
    }

    // ecluse itself, with these arguments.
    static std::unique_ptr<Spawned> ecluse(const std::filesystem::path& cwd,
                                           const std::vector<std::string>& args) {
        const char* bin = std::getenv("ECLUSE_BIN");
        if (bin == nullptr) {
            throw std::runtime_error("ECLUSE_BIN is not set: run the tests with `meson test`");
        }
        std::vector<std::string> argv = {bin};
        argv.insert(argv.end(), args.begin(), args.end());
        return std::make_unique<Spawned>(argv, cwd);
    }

    ~Spawned() {
        if (!m_result) {
            ::kill(m_pid, SIGKILL);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
    }

    Spawned(const Spawned&) = delete;
    Spawned& operator=(const Spawned&) = delete;

    pid_t pid() const { return m_pid; }

    // What it has written to stdout so far, while it runs.
    std::string output_so_far() const { return read(m_files.path() / "out"); }

    void kill(int signal) { ::kill(m_pid, signal); }

    // Whether it is still running.
    bool running() {
        if (m_result) {
            return false;
        }
        int status = 0;
        if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
            collect(status);
            return false;
        }
        return true;
    }

    // Waits for it to end (at most `timeout`, then SIGKILL) and returns its
    // exit code (128 + signal when killed) and output.
    const ProcessResult& wait(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
        if (!wait_until([&] { return !running(); }, timeout)) {
            ::kill(m_pid, SIGKILL);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
            collect(status);
        }
        return *m_result;
    }

private:
    void collect(int status) {
        ProcessResult result;
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        result.output = read(m_files.path() / "out");
        result.errors = read(m_files.path() / "err");
        m_result = result;
    }

    TempDir m_files;
    pid_t m_pid = -1;
    std::optional<ProcessResult> m_result;
};

// The pid of the backend of an ecluse connected to `url`'s database that is
// running a statement containing `text`, or "" when there is none.
inline std::string ecluse_backend_running(const std::string& url, const std::string& text) {
    return psql(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                     "AND application_name = 'ecluse' AND state = 'active' AND query LIKE '%" +
                         text + "%' LIMIT 1");
}

// Whether any backend of `url`'s database has application_name ecluse.
inline bool ecluse_connected(const std::string& url) {
    return psql(url, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                     "AND application_name = 'ecluse'") != "0";
}

// `ecluse -d URL ARGS...` in the project at `root`.
inline ProcessResult run_on(const std::filesystem::path& root, const std::string& url,
                            std::vector<std::string> args) {
    args.insert(args.begin(), {"-d", url});
    return run_ecluse(root, args);
}

// `status --format json` as revision -> state.
inline std::map<std::string, std::string> states(const std::filesystem::path& root,
                                                 const std::string& url) {
    ProcessResult status = run_on(root, url, {"--format", "json", "status"});
    REQUIRE_MESSAGE(status.exit_code == 0, status.errors);
    std::map<std::string, std::string> out;
    nlohmann::json document = nlohmann::json::parse(status.output);
    for (const auto& revision : document["revisions"]) {
        out[revision["revision"].get<std::string>()] = revision["state"].get<std::string>();
    }
    return out;
}

} // namespace ecluse::test
