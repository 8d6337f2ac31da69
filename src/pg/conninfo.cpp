#include "pg/conninfo.hpp"

#include "pg/connection.hpp"
#include "util/error.hpp"

#include <libpq-fe.h>

#include <map>
#include <memory>

namespace ecluse::pg {

namespace {

std::string percent_encode(const std::string& text) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

using ConninfoOptions = std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)>;

ConninfoOptions parse_conninfo(const std::string& base) {
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(base.c_str(), &error);
    if (parsed == nullptr) {
        std::string why = error != nullptr ? error : "out of memory";
        PQfreemem(error);
        throw UsageError("cannot read the connection string " + redact_connection_string(base) +
                             ": " + why,
                         "give a URL such as postgresql://admin@host:5432/postgres");
    }
    return ConninfoOptions(parsed, PQconninfoFree);
}

// A value for a keyword/value connection string: quoted, \ and ' escaped.
std::string conninfo_value(const std::string& value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\\' || c == '\'') {
            out += '\\';
        }
        out += c;
    }
    return out + "'";
}

} // namespace

std::string connection_string_with_database(const std::string& base, const std::string& database) {
    ConninfoOptions options = parse_conninfo(base);
    std::string out = "dbname=" + conninfo_value(database);
    for (PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
        if (option->val != nullptr && *option->val != '\0' &&
            std::string(option->keyword) != "dbname") {
            out += std::string(" ") + option->keyword + "=" + conninfo_value(option->val);
        }
    }
    return out;
}

std::string connection_url_for(const std::string& base, const std::string& user,
                               const std::string& password, const std::string& database) {
    ConninfoOptions options = parse_conninfo(base);
    std::map<std::string, std::string> values;
    for (PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
        if (option->val != nullptr && *option->val != '\0') {
            values[option->keyword] = option->val;
        }
    }
    std::string host = values.count("host") != 0 ? values["host"] : "";
    std::string port = values.count("port") != 0 ? values["port"] : "";
    bool socket = !host.empty() && host.front() == '/';
    std::string url = "postgresql://" + percent_encode(user) + ":" + percent_encode(password) + "@";
    if (!socket) {
        url += host.find(':') != std::string::npos ? "[" + host + "]" : host;
        if (!port.empty()) {
            url += ":" + port;
        }
    }
    url += "/" + percent_encode(database);
    std::string query;
    auto add = [&](const std::string& key, const std::string& value) {
        query += (query.empty() ? "?" : "&") + key + "=" + percent_encode(value);
    };
    if (socket) {
        add("host", host);
        if (!port.empty()) {
            add("port", port);
        }
    }
    for (const char* key : {"hostaddr", "sslmode", "sslrootcert", "connect_timeout",
                            "target_session_attrs", "gssencmode"}) {
        if (values.count(key) != 0) {
            add(key, values[key]);
        }
    }
    return url + query;
}

} // namespace ecluse::pg
