#include "pg/connection.hpp"

#include "pg/conninfo.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <libpq-fe.h>

#include <chrono>
#include <cstdio>

namespace ecluse::pg {

namespace {

// libpq's notices (NOTICE, WARNING of a statement) under -v only: the
// statements' own output is not ecluse's to print.
void log_notice(void*, const char* message) {
    if (log::verbose()) {
        log::debug("server: " + log::one_line(message, 400));
    }
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
    : Error(is_connection_lost(server) ? ErrorKind::connection : ErrorKind::failed, message,
            std::move(hint)),
      m_server(std::move(server)) {}

bool DatabaseError::is_connection_lost(const ServerError& server) {
    return server.sqlstate.empty() || server.sqlstate.rfind("08", 0) == 0 ||
           server.sqlstate == "57P01";
}

struct Connection::Impl {
    PGconn* raw = nullptr;
    std::string url; // as given, password included: never printed

    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    ~Impl() {
        if (raw != nullptr) {
            PQfinish(raw);
        }
    }

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
    std::string why;
    if (!parse_connection_string(url, &why)) {
        throw UsageError("cannot connect: libpq cannot read the connection string (" + why + ")",
                         "check the URL (-d, $ECLUSE_DATABASE_URL, $DATABASE_URL or "
                         "database_url in ecluse.toml): "
                         "postgresql://user@host:5432/database, with %-escapes in the password");
    }
    std::string redacted = redact_connection_string(url);
    auto start = std::chrono::steady_clock::now();
    log::debug("connecting to " +
               (redacted.empty() ? std::string("libpq's defaults (PG* variables)") : redacted));
    // The URL expanded as libpq's dbname; "ecluse" only as the fallback
    // application_name, as psql does: the user's own (in the URL, the
    // conninfo or PGAPPNAME) is kept.
    const char* keywords[] = {"dbname", "fallback_application_name", nullptr};
    const char* values[] = {url.c_str(), "ecluse", nullptr};
    m_impl->url = url;
    m_impl->raw = PQconnectdbParams(keywords, values, 1);
    if (m_impl->raw == nullptr || PQstatus(m_impl->raw) != CONNECTION_OK) {
        std::string reason = m_impl->raw == nullptr
                                 ? "out of memory"
                                 : std::string(trim(PQerrorMessage(m_impl->raw)));
        throw ConnectionUnavailable(
            "cannot connect to " +
                (redacted.empty() ? std::string("the default database") : redacted) + ": " +
                without_password(reason, url),
            "check the URL (-d, $ECLUSE_DATABASE_URL, $DATABASE_URL or database_url in "
            "ecluse.toml) or libpq's PG* variables");
    }
    PQsetNoticeProcessor(m_impl->raw, log_notice, nullptr);
    // The server reports standard_conforming_strings at connection start
    // (on by default since PostgreSQL 9.1). ecluse's sessions are never
    // ended for being idle: one of them holds the migration lock through a
    // deploy's hook. And the server checks that the client is still there
    // while a statement runs, so that a killed ecluse's statement does not
    // go on holding locks.
    std::string settings = "SET idle_in_transaction_session_timeout = 0";
    const char* conforming = PQparameterStatus(m_impl->raw, "standard_conforming_strings");
    if (conforming == nullptr || std::string(conforming) != "on") {
        settings += "; SET standard_conforming_strings = on";
    }
    if (PQserverVersion(m_impl->raw) >= 140000) {
        settings += "; SET idle_session_timeout = 0; SET client_connection_check_interval = '2s'";
    }
    execute(settings);
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

std::unique_ptr<Connection> Connection::reopen() const {
    return std::make_unique<Connection>(m_impl->url);
}

int Connection::backend_pid() const {
    return PQbackendPID(m_impl->raw);
}

int Connection::server_version() const {
    return PQserverVersion(m_impl->raw);
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
