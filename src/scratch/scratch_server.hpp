#pragma once

// A private, throwaway PostgreSQL server for the tests, the demo and every
// feature that needs a scratch database (`--database-url scratch`,
// snapshot, autogenerate): a fresh cluster in a temporary folder, reachable
// only through a Unix socket inside that folder, and gone when the object is
// destroyed or when the process that made it dies, however it dies.

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace ecluse {

namespace scratch_detail {
class Reaper;
}

// Where the server binaries (initdb, pg_ctl, postgres) are:
// $ECLUSE_PG_BINDIR when set and not empty, else the newest
// /usr/lib/postgresql/<N>/bin (numeric sort), else the folder of the
// `initdb` found on PATH, symlinks resolved. Throws Error with a hint
// (install postgresql-15) when there is none, or when $ECLUSE_PG_BINDIR
// does not hold all three programs.
std::filesystem::path find_server_bindir();

class ScratchServer {
public:
    // The port in the socket file's name (.s.PGSQL.5432). No TCP is used
    // and the socket folder is private, so it cannot clash with any other
    // server on the machine.
    static constexpr int k_port = 5432;

    // Runs initdb and pg_ctl start for a fresh cluster in a new folder
    // (mkdtemp under $ECLUSE_SCRATCH_DIR, else $TMPDIR, else /dev/shm when
    // it is a tmpfs with room, else /tmp; a folder is skipped when unusable:
    // too long for a socket path, a character pg_ctl cannot quote, not
    // reachable by the server's user). The server listens only on a Unix
    // socket in that folder (listen_addresses = ''), runs with fsync,
    // synchronous_commit and full_page_writes off, trusts every local
    // connection, and has the superuser `postgres`. When the current user
    // is root it runs as the `postgres` user (initdb refuses root), else as
    // the current user; the folder (mode 0700) belongs to that user.
    //
    // A watchdog process is forked first: when this process ends without
    // destroying the server (exit, uncaught exception, a signal, SIGKILL),
    // it stops the server and removes the folder. A child forked from this
    // process that does not exec keeps the watchdog waiting until it ends
    // too.
    //
    // Throws Error naming the step that failed (initdb, pg_ctl) with its
    // output and the server log; whatever was made by then is removed.
    static std::unique_ptr<ScratchServer> start();

    // Stops the server (immediate shutdown) and removes the folder, then
    // dismisses the watchdog. Never throws. Does nothing in a forked copy
    // of the process that started the server.
    ~ScratchServer();

    ScratchServer(const ScratchServer&) = delete;
    ScratchServer& operator=(const ScratchServer&) = delete;

    // A libpq URL for `database` as user postgres:
    // postgresql://postgres@/DATABASE?host=<socket folder>&port=5432, with
    // the database and the folder percent-encoded. The port is explicit so
    // that a PGPORT in the environment cannot redirect libpq.
    std::string url(const std::string& database = "postgres") const;

    // The folder holding the socket, the cluster (data/) and its log (log).
    const std::filesystem::path& socket_directory() const { return m_folder; }
    int port() const { return k_port; }
    const std::filesystem::path& data_directory() const { return m_data_directory; }
    // The server log; removed with the folder.
    const std::filesystem::path& log_file() const { return m_log_file; }
    pid_t postmaster_pid() const { return m_postmaster_pid; }

private:
    explicit ScratchServer(std::filesystem::path folder);

    void initialize_cluster(const std::filesystem::path& bindir);
    void write_settings() const;
    void start_postmaster(const std::filesystem::path& bindir);

    std::filesystem::path m_folder;
    std::filesystem::path m_data_directory;
    std::filesystem::path m_log_file;
    std::filesystem::path m_pid_file;
    std::vector<std::string> m_command_prefix; // runuser -u postgres -- when root
    pid_t m_postmaster_pid = 0;
    pid_t m_owner_pid;
    std::unique_ptr<scratch_detail::Reaper> m_reaper;
};

} // namespace ecluse
