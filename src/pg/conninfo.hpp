#pragma once

// Connection strings: deriving a new one from an existing one.

#include <string>

namespace ecluse::pg {

// A postgresql:// URL to the same server as `base` (a URL or a
// keyword/value string; its host, port, sslmode and the like are kept) for
// another user, password and database. Throws UsageError when `base`
// cannot be parsed.
std::string connection_url_for(const std::string& base, const std::string& user,
                               const std::string& password, const std::string& database);

// `base` (a URL or a keyword/value string) with its database replaced by
// `database` and every other setting kept (user, password, passfile, ssl
// files...), as a keyword/value string. Throws UsageError when `base`
// cannot be parsed.
std::string connection_string_with_database(const std::string& base, const std::string& database);

} // namespace ecluse::pg
