#pragma once

// Connection strings, read by libpq's own parser (PQconninfoParse) only:
// redacting one for a message, deriving a new one from it. A URL
// (postgresql://...) and a keyword/value string (host=... dbname=...) are
// both accepted wherever one is.

#include <map>
#include <optional>
#include <string>

namespace ecluse::pg {

// The settings a connection string gives, by libpq keyword ("host",
// "port", "user", "password", "dbname", "sslmode", ...); empty values left
// out.
using ConnectionSettings = std::map<std::string, std::string>;

// The settings of `text`, or nullopt when libpq cannot read it. `why` then
// receives libpq's reason with every quoted part replaced by "***" (libpq
// quotes the offending piece of the string, which may be the password).
std::optional<ConnectionSettings> parse_connection_string(const std::string& text,
                                                          std::string* why = nullptr);

// `text` as a postgresql:// URL with its password (and sslpassword) shown as "***", for
// messages and logs; never the text itself when libpq cannot read it
// ("(a connection string libpq cannot read)"). An empty string stays
// empty (libpq's PG* defaults).
std::string redact_connection_string(const std::string& text);

// `message` with the password and sslpassword of `connection_string`, as given and
// percent-decoded, replaced by "***": for what libpq or pg_dump print
// about a connection.
std::string without_password(const std::string& message, const std::string& connection_string);

// A postgresql:// URL to the same server as `base` (its host, port, sslmode
// and the like are kept) for another user, password and database. Throws
// UsageError when `base` cannot be parsed.
std::string connection_url_for(const std::string& base, const std::string& user,
                               const std::string& password, const std::string& database);

// `base` with its database replaced by `database` and every other setting
// kept (user, password, passfile, ssl files...), as a keyword/value string.
// Throws UsageError when `base` cannot be parsed.
std::string connection_string_with_database(const std::string& base, const std::string& database);

} // namespace ecluse::pg
