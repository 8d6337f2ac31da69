#pragma once

// A connection to PostgreSQL through libpq: src/pg is the only part of
// ecluse that includes it. Errors become ecluse's own types here, carrying
// everything the server said (SQLSTATE, message, detail, hint, position).

#include "util/error.hpp"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ecluse::pg {

// What the server said about a failed statement.
struct ServerError {
    std::string sqlstate; // "42601"
    std::string severity; // "ERROR"
    std::string message;
    std::string detail;
    std::string hint;
    std::string context;
    int position = 0; // 1-based character in the statement; 0 when unknown
};

// A statement the server refused (kind failed), or a connection lost (kind
// connection).
class DatabaseError : public Error {
public:
    DatabaseError(const std::string& message, ServerError server, std::string hint = {});
    const ServerError& server() const { return m_server; }
    // True when the connection is gone (the server ended it, the network failed).
    bool connection_lost() const { return is_connection_lost(m_server); }
    static bool is_connection_lost(const ServerError& server);

private:
    ServerError m_server;
};

using Row = std::vector<std::optional<std::string>>;
using Params = std::vector<std::optional<std::string>>;

class Connection {
public:
    // Connects with the application_name the user gave (URL, conninfo,
    // PGAPPNAME), else "ecluse". An empty url uses libpq's own
    // PG* variables and service files. Throws ConnectionUnavailable naming the database
    // with its password removed.
    explicit Connection(const std::string& url);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    // Runs one statement (a transaction control statement included).
    // Throws DatabaseError with the server's diagnostics.
    void execute(const std::string& sql);
    // Runs one statement with text parameters ($1, $2, ...) and returns its rows.
    std::vector<Row> query(const std::string& sql, const Params& params = {});
    // Runs `COPY ... FROM stdin` and sends `data` (psql's text format lines).
    void copy_from_stdin(const std::string& sql, const std::string& data);

    // A second connection to the same database, opened as this one was.
    std::unique_ptr<Connection> reopen() const;
    int backend_pid() const;
    int server_version() const; // 150018
    // "user@host/db" without password, for messages.
    const std::string& description() const { return m_description; }

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
    std::string m_description;
};

// Quotes an identifier for SQL ("my schema" -> "\"my schema\"").
std::string quote_identifier(const std::string& name);
// Quotes a string literal for SQL ('it''s').
std::string quote_literal(const std::string& value);

} // namespace ecluse::pg
