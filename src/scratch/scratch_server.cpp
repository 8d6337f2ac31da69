#include "scratch/scratch_server.hpp"

#include "scratch/abandoned.hpp"
#include "scratch/reaper.hpp"
#include "scratch/server_setup.hpp"
#include "scratch/teardown.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/process.hpp"
#include "util/strings.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace ecluse {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t k_log_lines_shown = 30;

// Percent-encodes everything but RFC 3986's unreserved characters.
std::string percent_encode(std::string_view text) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += c;
        } else {
            out += '%';
            out += k_hex[byte >> 4];
            out += k_hex[byte & 0x0f];
        }
    }
    return out;
}

// A string literal of postgresql.conf.
std::string config_string(std::string_view text) {
    std::string out = "'";
    for (char c : text) {
        if (c == '\'' || c == '\\') {
            out += c;
        }
        out += c;
    }
    return out + "'";
}

// A one-folder value of unix_socket_directories, a list whose items may be
// double-quoted (needed when the folder holds a comma or a space).
std::string socket_directory_list(const fs::path& folder) {
    std::string item = "\"";
    for (char c : folder.string()) {
        if (c == '"') {
            item += c;
        }
        item += c;
    }
    return config_string(item + "\"");
}

// The last lines of `text`, each indented and marked, for an error message.
std::string quoted_tail(const std::string& text) {
    auto lines = split_lines(text);
    std::size_t first = lines.size() > k_log_lines_shown ? lines.size() - k_log_lines_shown : 0;
    std::string out;
    for (std::size_t i = first; i < lines.size(); ++i) {
        out += "\n  | ";
        out += lines[i];
    }
    return out;
}

// Throws the Error of a failed step: what went wrong, the command, its
// output and the server log.
[[noreturn]] void throw_step_failed(const std::string& what, const std::vector<std::string>& argv,
                                    const ProcessResult& result, const std::string& log,
                                    const std::string& hint) {
    std::string message =
        "cannot start the scratch server: " + what + "\n  command: " + join(argv, " ");
    message += quoted_tail(result.output + result.errors);
    if (!log.empty()) {
        message += "\n  server log:" + quoted_tail(log);
    }
    throw OperationFailed(message, hint);
}

std::vector<std::string> with_prefix(const std::vector<std::string>& prefix,
                                     std::vector<std::string> command) {
    command.insert(command.begin(), prefix.begin(), prefix.end());
    return command;
}

} // namespace

std::unique_ptr<ScratchServer> ScratchServer::start() {
    fs::path bindir = find_server_bindir();
    scratch_detail::ServerUser user = scratch_detail::server_user();
    fs::path base = scratch_detail::choose_temporary_base(user);
    scratch_detail::reap_abandoned(base, user.uid);
    std::unique_ptr<ScratchServer> server(
        new ScratchServer(scratch_detail::make_private_folder(base, user)));
    server->m_command_prefix = user.command_prefix;
    server->m_reaper = std::make_unique<scratch_detail::Reaper>(scratch_detail::TeardownPaths{
        server->m_folder, server->m_data_directory, server->m_pid_file});
    scratch_detail::write_owner_file(server->m_folder, server->m_reaper->pid());
    server->initialize_cluster(bindir);
    server->write_settings();
    server->start_postmaster(bindir);
    return server;
}

ScratchServer::ScratchServer(fs::path folder)
    : m_folder(std::move(folder)), m_data_directory(m_folder / "data"),
      m_log_file(m_folder / "log"), m_pid_file(m_data_directory / "postmaster.pid"),
      m_owner_pid(::getpid()) {}

ScratchServer::~ScratchServer() {
    if (::getpid() == m_owner_pid) {
        scratch_detail::stop_postmaster(m_pid_file.c_str(), m_data_directory.c_str());
        scratch_detail::remove_tree(m_folder.c_str());
    }
    m_reaper.reset();
}

std::string ScratchServer::url(const std::string& database) const {
    return "postgresql://postgres@/" + percent_encode(database) +
           "?host=" + percent_encode(m_folder.string()) + "&port=" + std::to_string(k_port);
}

void ScratchServer::initialize_cluster(const fs::path& bindir) {
    auto argv =
        with_prefix(m_command_prefix,
                    {(bindir / "initdb").string(), "-D", m_data_directory.string(), "-U",
                     "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"});
    ProcessOptions options;
    options.working_directory = m_folder;
    ProcessResult result = run_process(argv, options);
    if (result.exit_code != 0) {
        throw_step_failed("initdb failed with exit code " + std::to_string(result.exit_code), argv,
                          result, {},
                          "check that the PostgreSQL server programs in " + bindir.string() +
                              " work, or choose others with ECLUSE_PG_BINDIR");
    }
}

// Settings go into postgresql.conf rather than `pg_ctl -o`, which pg_ctl
// hands to a shell: the folder's path needs no shell quoting this way.
void ScratchServer::write_settings() const {
    fs::path config = m_data_directory / "postgresql.conf";
    std::ofstream out(config, std::ios::app | std::ios::binary);
    out << "\n# ecluse scratch server: a private Unix socket, no TCP, no durability.\n"
        << "listen_addresses = ''\n"
        << "unix_socket_directories = " << socket_directory_list(m_folder) << '\n'
        << "port = " << k_port << '\n'
        << "fsync = off\n"
        << "synchronous_commit = off\n"
        << "full_page_writes = off\n"
        << "max_connections = 100\n";
    out.flush();
    if (!out) {
        throw OperationFailed("cannot start the scratch server: cannot write its settings to " +
                              config.string());
    }
}

void ScratchServer::start_postmaster(const fs::path& bindir) {
    auto argv = with_prefix(m_command_prefix,
                            {(bindir / "pg_ctl").string(), "-D", m_data_directory.string(), "-l",
                             m_log_file.string(), "-w", "-t", "60", "start"});
    ProcessOptions options;
    options.working_directory = m_folder;
    ProcessResult result = run_process(argv, options);
    if (result.exit_code != 0) {
        throw_step_failed("pg_ctl start failed with exit code " + std::to_string(result.exit_code),
                          argv, result, read_file_if_exists(m_log_file).value_or(""),
                          "the output above says why the server did not start; choose other "
                          "PostgreSQL server programs with ECLUSE_PG_BINDIR if these are broken");
    }
    std::error_code error;
    fs::path socket = m_folder / (".s.PGSQL." + std::to_string(k_port));
    std::string pid_text = read_file_if_exists(m_pid_file).value_or("");
    m_postmaster_pid = static_cast<pid_t>(std::atol(pid_text.c_str()));
    if (!fs::is_socket(socket, error) || !scratch_detail::process_alive(m_postmaster_pid)) {
        throw_step_failed("pg_ctl start reported success, but no server runs with a socket at " +
                              socket.string(),
                          argv, result, read_file_if_exists(m_log_file).value_or(""),
                          "the server log above may say why");
    }
}

} // namespace ecluse
