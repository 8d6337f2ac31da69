#include "pg/conninfo.hpp"

#include "util/error.hpp"
#include "util/strings.hpp"

#include <libpq-fe.h>

#include <memory>
#include <string_view>

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

// `text` with every "quoted" part replaced by "***".
std::string without_quoted_parts(const std::string& text) {
    std::string out;
    bool quoted = false;
    for (char c : text) {
        if (c == '"') {
            out += quoted ? "***\"" : "\"";
            quoted = !quoted;
        } else if (!quoted) {
            out += c;
        }
    }
    return quoted ? out + "***" : out;
}

// Whether a URL's user name or password holds an unescaped '/' or '@'.
// libpq ends the credentials at the first '@' or '/': it would then read
// the rest of such a password as the host (`u:Sec@ret@host`) or the
// password as a port (`u:Sec/ret@host`), and print that part, which it
// does not know is a password, in its messages. An '@' before the query
// is taken to end the credentials, as a person writing the URL meant.
bool has_ambiguous_credentials(std::string_view text) {
    for (std::string_view scheme : {"postgresql://", "postgres://"}) {
        if (text.substr(0, scheme.size()) != scheme) {
            continue;
        }
        std::string_view rest = text.substr(scheme.size());
        rest = rest.substr(0, rest.find('?'));
        std::size_t at = rest.rfind('@');
        return at != std::string_view::npos &&
               rest.substr(0, at).find_first_of("/@") != std::string_view::npos;
    }
    return false;
}

ConnectionSettings parse_or_throw(const std::string& base) {
    std::string why;
    auto settings = parse_connection_string(base, &why);
    if (!settings) {
        throw UsageError("cannot read the connection string: " + why,
                         "give a URL such as postgresql://admin@host:5432/postgres");
    }
    return *settings;
}

// A URL from `settings`, with `password` in place of theirs when given.
std::string render_url(ConnectionSettings settings, const std::optional<std::string>& password) {
    auto take = [&](const char* key) {
        auto it = settings.find(key);
        if (it == settings.end()) {
            return std::string();
        }
        std::string value = it->second;
        settings.erase(it);
        return value;
    };
    std::string user = take("user");
    std::string secret = take("password");
    std::string host = take("host");
    std::string port = take("port");
    std::string database = take("dbname");
    // A socket directory, or several hosts or ports (`h1,h2`, `5432,5433`),
    // go in the query, where libpq reads every form of them: a list does
    // not fit the authority's host:port.
    bool socket = (!host.empty() && (host.front() == '/' || host.front() == '@')) ||
                  host.find(',') != std::string::npos || port.find(',') != std::string::npos;
    std::string url = "postgresql://";
    if (!user.empty() || password) {
        url += percent_encode(user);
        if (password) {
            url += ":" + percent_encode(*password);
        } else if (!secret.empty()) {
            url += ":***";
        }
        url += "@";
    }
    std::string query;
    auto add = [&](const std::string& key, const std::string& value) {
        query += (query.empty() ? "?" : "&") + key + "=" + percent_encode(value);
    };
    if (socket) {
        add("host", host);
        if (!port.empty()) {
            add("port", port);
        }
    } else {
        url += host.find(':') != std::string::npos ? "[" + host + "]" : host;
        if (!port.empty()) {
            url += ":" + port;
        }
    }
    url += "/" + percent_encode(database);
    for (const auto& [key, value] : settings) {
        // sslpassword decrypts the client key: a secret like the password.
        if (key == "sslpassword") {
            query += (query.empty() ? "?" : "&") + key + "=***";
        } else {
            add(key, value);
        }
    }
    return url + query;
}

} // namespace

std::optional<ConnectionSettings> parse_connection_string(const std::string& text,
                                                          std::string* why) {
    if (has_ambiguous_credentials(text)) {
        if (why != nullptr) {
            *why = "an unescaped '/' or '@' before the host's '@': write them as %2F and %40 in "
                   "a user name, password or database name";
        }
        return std::nullopt;
    }
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(text.c_str(), &error);
    if (parsed == nullptr) {
        if (why != nullptr) {
            *why =
                without_quoted_parts(std::string(trim(error != nullptr ? error : "out of memory")));
        }
        PQfreemem(error);
        return std::nullopt;
    }
    std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> guard(parsed, PQconninfoFree);
    ConnectionSettings settings;
    for (PQconninfoOption* option = parsed; option->keyword != nullptr; ++option) {
        if (option->val != nullptr && *option->val != '\0') {
            settings[option->keyword] = option->val;
        }
    }
    return settings;
}

std::string redact_connection_string(const std::string& text) {
    if (text.empty()) {
        return text;
    }
    auto settings = parse_connection_string(text);
    if (!settings) {
        return "(a connection string libpq cannot read)";
    }
    return render_url(*settings, std::nullopt);
}

std::string without_password(const std::string& message, const std::string& connection_string) {
    auto settings = parse_connection_string(connection_string);
    std::string out = message;
    if (!settings) {
        return out;
    }
    for (const char* key : {"password", "sslpassword"}) {
        auto it = settings->find(key);
        if (it == settings->end()) {
            continue;
        }
        for (const std::string& form : {it->second, percent_encode(it->second)}) {
            for (auto at = out.find(form); at != std::string::npos; at = out.find(form, at + 3)) {
                out.replace(at, form.size(), "***");
            }
        }
    }
    return out;
}

std::string connection_string_with_database(const std::string& base, const std::string& database) {
    ConnectionSettings settings = parse_or_throw(base);
    settings["dbname"] = database;
    std::string out;
    for (const auto& [key, value] : settings) {
        // A keyword/value string: quoted, \ and ' escaped.
        out += (out.empty() ? "" : " ") + key + "='";
        for (char c : value) {
            if (c == '\\' || c == '\'') {
                out += '\\';
            }
            out += c;
        }
        out += "'";
    }
    return out;
}

std::string connection_url_for(const std::string& base, const std::string& user,
                               const std::string& password, const std::string& database) {
    ConnectionSettings server;
    ConnectionSettings settings = parse_or_throw(base);
    // What reaches the same server the same way (a service of
    // pg_service.conf included: the URL's own user and database win over
    // the service's); not the admin's own files (passfile, sslcert,
    // sslkey) or session options.
    for (const char* key :
         {"service", "host", "port", "hostaddr", "sslmode", "sslrootcert", "connect_timeout",
          "target_session_attrs", "gssencmode", "load_balance_hosts"}) {
        if (auto it = settings.find(key); it != settings.end()) {
            server[key] = it->second;
        }
    }
    server["user"] = user;
    server["dbname"] = database;
    return render_url(server, password);
}

} // namespace ecluse::pg
