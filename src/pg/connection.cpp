#include "pg/connection.hpp"

#include "util/log.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <cstdio>
#include <pqxx/pqxx>

namespace ecluse::pg {

namespace {

// libpqxx 6.4 offers no way to read a failed statement's position, detail
// and hint, which errors must show; libpq does. So libpqxx opens and owns
// the connection and libpq runs the statements. The libpq handle comes from
// the connection policy, which libpqxx hands it to while connecting: no
// transaction (and no round trip) is needed to reach it.
class CapturingPolicy : public pqxx::connect_direct {
public:
    explicit CapturingPolicy(const std::string& options) : pqxx::connect_direct(options) {}
    handle do_startconnect(handle original) override {
        m_handle = pqxx::connect_direct::do_startconnect(original);
        return m_handle;
    }
    handle do_dropconnect(handle original) noexcept override {
        m_handle = nullptr;
        return pqxx::connect_direct::do_dropconnect(original);
    }
    PGconn* raw() const { return m_handle; }

private:
    PGconn* m_handle = nullptr;
};

// pqxx::connection with the policy reachable (basic_connection_base keeps
// its policy private).
class OpenedConnection : public pqxx::connection_base {
public:
    explicit OpenedConnection(const std::string& options)
        : pqxx::connection_base(m_policy), m_policy(options) {
        init();
    }
    ~OpenedConnection() { close(); }
    OpenedConnection(const OpenedConnection&) = delete;
    OpenedConnection& operator=(const OpenedConnection&) = delete;
    PGconn* raw() const { return m_policy.raw(); }

private:
    CapturingPolicy m_policy;
};

// `url` with application_name=ecluse added, in its own syntax (URI query
// parameter or keyword/value pair); libpq keeps the last value of a
// repeated parameter, so ours wins as DESIGN.md asks.
std::string with_application_name(const std::string& url) {
    bool uri = url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
    if (uri) {
        return url + (url.find('?') == std::string::npos ? "?" : "&") + "application_name=ecluse";
    }
    return url + (url.empty() ? "" : " ") + "application_name=ecluse";
}

std::string field(const PGresult* result, int code) {
    const char* value = PQresultErrorField(result, code);
    return value == nullptr ? std::string() : std::string(value);
}

ServerError server_error(const PGresult* result, PGconn* connection) {
    ServerError error;
    if (result != nullptr) {
        error.sqlstate = field(result, PG_DIAG_SQLSTATE);
        error.severity = field(result, PG_DIAG_SEVERITY);
        error.message = field(result, PG_DIAG_MESSAGE_PRIMARY);
        error.detail = field(result, PG_DIAG_MESSAGE_DETAIL);
        error.hint = field(result, PG_DIAG_MESSAGE_HINT);
        error.context = field(result, PG_DIAG_CONTEXT);
        std::string position = field(result, PG_DIAG_STATEMENT_POSITION);
        error.position = position.empty() ? 0 : std::stoi(position);
    }
    if (error.message.empty()) {
        // libpq's own text ("server closed the connection unexpectedly\n\tThis
        // probably means..."): its first line says it, the rest is advice.
        std::string text(trim(PQerrorMessage(connection)));
        log::debug("libpq: " + log::one_line(text, 400));
        error.message = text.substr(0, text.find('\n'));
        // "FATAL:  terminating connection ...": the server's own words, with
        // the severity in front as libpq prints it.
        for (const char* severity : {"FATAL:  ", "ERROR:  ", "PANIC:  "}) {
            if (error.message.rfind(severity, 0) == 0) {
                error.severity = std::string(severity).substr(0, std::string(severity).find(':'));
                error.message = error.message.substr(std::string(severity).size());
            }
        }
    }
    return error;
}

// `sql` with the string literal after every PASSWORD keyword (CREATE ROLE,
// ALTER ROLE) replaced by '***', so that -v never prints a password.
std::string without_passwords(const std::string& sql) {
    static const std::string keyword = "password";
    std::string lower = sql;
    for (char& c : lower) {
        c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    std::string out;
    std::size_t done = 0;
    for (std::size_t at = lower.find(keyword); at != std::string::npos;
         at = lower.find(keyword, at + 1)) {
        std::size_t quote = at + keyword.size();
        while (quote < sql.size() && (sql[quote] == ' ' || sql[quote] == '\n')) {
            ++quote;
        }
        if (quote >= sql.size() || sql[quote] != '\'' || quote < done) {
            continue;
        }
        std::size_t end = quote + 1; // past the closing quote; '' is a quote inside
        while (end < sql.size() &&
               !(sql[end] == '\'' && (end + 1 >= sql.size() || sql[end + 1] != '\''))) {
            end += sql[end] == '\'' ? 2 : 1;
        }
        out += sql.substr(done, quote - done) + "'***'";
        done = std::min(end + 1, sql.size());
        at = done;
    }
    return out + sql.substr(done);
}

// Under -v: a statement sent, and how long the server took.
void log_statement(const std::string& sql, std::chrono::steady_clock::time_point since) {
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.2f ms", elapsed_ms(since));
    log::debug(std::string("sql ") + duration + ": " + log::one_line(without_passwords(sql)));
}

struct ResultGuard {
    PGresult* result;
    ~ResultGuard() { PQclear(result); }
};

} // namespace

DatabaseError::DatabaseError(const std::string& message, ServerError server, std::string hint)
    : Error(k_exit_failed, message, std::move(hint)), m_server(std::move(server)) {}

struct Connection::Impl {
    std::unique_ptr<OpenedConnection> connection;
    PGconn* raw = nullptr;

    [[noreturn]] void fail(const PGresult* result) const {
        ServerError error = server_error(result, raw);
        std::string message = error.message;
        if (!error.sqlstate.empty()) {
            message = error.sqlstate + ": " + message;
        }
        throw DatabaseError(message, error);
    }

    PGresult* run(const std::string& sql, const Params& params) {
        if (log::verbose()) {
            auto start = std::chrono::steady_clock::now();
            PGresult* result = run_quietly(sql, params);
            log_statement(sql, start);
            return result;
        }
        return run_quietly(sql, params);
    }

    PGresult* run_quietly(const std::string& sql, const Params& params) {
        std::vector<const char*> values;
        for (const auto& param : params) {
            values.push_back(param ? param->c_str() : nullptr);
        }
        PGresult* result = params.empty()
                               ? PQexec(raw, sql.c_str())
                               : PQexecParams(raw, sql.c_str(), static_cast<int>(params.size()),
                                              nullptr, values.data(), nullptr, nullptr, 0);
        if (result == nullptr) {
            fail(nullptr);
        }
        return result;
    }
};

Connection::Connection(const std::string& url) : m_impl(std::make_unique<Impl>()) {
    std::string redacted = redact_connection_string(url);
    std::string conninfo = with_application_name(url);
    auto start = std::chrono::steady_clock::now();
    log::debug("connecting to " +
               (redacted.empty() ? std::string("libpq's defaults (PG* variables)") : redacted));
    try {
        m_impl->connection = std::make_unique<OpenedConnection>(conninfo);
    } catch (const std::exception& error) {
        throw Error(
            k_exit_failed,
            "cannot connect to " +
                (redacted.empty() ? std::string("the default database") : redacted) + ": " +
                std::string(trim(error.what())),
            "check the URL (-d, $ECLUSE_DATABASE_URL, $DATABASE_URL) or libpq's PG* variables");
    }
    m_impl->raw = m_impl->connection->raw();
    // The server reports standard_conforming_strings at connection start
    // (on by default since PostgreSQL 9.1); a SET only when it is off.
    const char* conforming = PQparameterStatus(m_impl->raw, "standard_conforming_strings");
    if (conforming == nullptr || std::string(conforming) != "on") {
        execute("SET standard_conforming_strings = on");
    }
    const char* user = PQuser(m_impl->raw);
    const char* host = PQhost(m_impl->raw);
    const char* db = PQdb(m_impl->raw);
    m_description = std::string(user ? user : "") + "@" + (host ? host : "") + "/" + (db ? db : "");
    if (log::verbose()) {
        char duration[32];
        std::snprintf(duration, sizeof duration, "%.1f ms", elapsed_ms(start));
        log::debug("connected to " + m_description + " (server " +
                   std::to_string(server_version()) + ", backend pid " +
                   std::to_string(backend_pid()) + ") in " + duration);
    }
}

Connection::~Connection() = default;

void Connection::execute(const std::string& sql) {
    ResultGuard guard{m_impl->run(sql, {})};
    ExecStatusType status = PQresultStatus(guard.result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
        m_impl->fail(guard.result);
    }
}

std::vector<Row> Connection::query(const std::string& sql, const Params& params) {
    ResultGuard guard{m_impl->run(sql, params)};
    ExecStatusType status = PQresultStatus(guard.result);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        m_impl->fail(guard.result);
    }
    std::vector<Row> rows;
    int columns = PQnfields(guard.result);
    int count = PQntuples(guard.result);
    rows.reserve(static_cast<std::size_t>(count));
    for (int r = 0; r < count; ++r) {
        Row& row = rows.emplace_back();
        row.reserve(static_cast<std::size_t>(columns));
        for (int c = 0; c < columns; ++c) {
            if (PQgetisnull(guard.result, r, c)) {
                row.emplace_back(std::nullopt);
            } else {
                row.emplace_back(
                    std::string(PQgetvalue(guard.result, r, c),
                                static_cast<std::size_t>(PQgetlength(guard.result, r, c))));
            }
        }
    }
    return rows;
}

void Connection::copy_from_stdin(const std::string& sql, const std::string& data) {
    {
        ResultGuard guard{m_impl->run(sql, {})};
        if (PQresultStatus(guard.result) != PGRES_COPY_IN) {
            m_impl->fail(guard.result);
        }
    }
    if (!data.empty() &&
        PQputCopyData(m_impl->raw, data.data(), static_cast<int>(data.size())) != 1) {
        m_impl->fail(nullptr);
    }
    if (PQputCopyEnd(m_impl->raw, nullptr) != 1) {
        m_impl->fail(nullptr);
    }
    PGresult* last = nullptr;
    while (PGresult* result = PQgetResult(m_impl->raw)) {
        if (last != nullptr) {
            PQclear(last);
        }
        last = result;
    }
    ResultGuard guard{last};
    if (last == nullptr || PQresultStatus(last) != PGRES_COMMAND_OK) {
        m_impl->fail(last);
    }
}

int Connection::backend_pid() const {
    return PQbackendPID(m_impl->raw);
}

int Connection::server_version() const {
    return PQserverVersion(m_impl->raw);
}

std::string redact_connection_string(const std::string& text) {
    std::string out = text;
    // URL form: scheme://user:password@host
    auto scheme = out.find("://");
    if (scheme != std::string::npos) {
        auto at = out.find('@', scheme + 3);
        auto slash = out.find('/', scheme + 3);
        if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
            auto colon = out.find(':', scheme + 3);
            if (colon != std::string::npos && colon < at) {
                out.replace(colon + 1, at - colon - 1, "***");
            }
        }
        // password=... in the query string
        for (auto pos = out.find("password="); pos != std::string::npos;
             pos = out.find("password=", pos + 1)) {
            auto end = out.find('&', pos);
            out.replace(pos + 9, (end == std::string::npos ? out.size() : end) - pos - 9, "***");
        }
        return out;
    }
    // keyword/value form: password=secret or password='se cret'
    for (auto pos = out.find("password"); pos != std::string::npos;
         pos = out.find("password", pos + 1)) {
        auto equals = out.find_first_not_of(' ', pos + 8);
        if (equals == std::string::npos || out[equals] != '=') {
            continue;
        }
        auto start = out.find_first_not_of(' ', equals + 1);
        if (start == std::string::npos) {
            break;
        }
        std::size_t end = start;
        if (out[start] == '\'') {
            for (end = start + 1; end < out.size() && out[end] != '\''; ++end) {
                if (out[end] == '\\') {
                    ++end;
                }
            }
            end = std::min(end + 1, out.size());
        } else {
            end = out.find(' ', start);
            end = end == std::string::npos ? out.size() : end;
        }
        out.replace(start, end - start, "***");
    }
    return out;
}

std::string quote_identifier(const std::string& name) {
    std::string out = "\"";
    for (char c : name) {
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
}

std::string quote_literal(const std::string& value) {
    std::string out = "'";
    for (char c : value) {
        out += c == '\'' ? std::string("''") : std::string(1, c);
    }
    return out + "'";
}

} // namespace ecluse::pg
