#include "runtime/environment.hpp"

#include "util/strings.hpp"

namespace ecluse {

using pg::quote_identifier;
using pg::quote_literal;

void check_environment_name(const std::string& name) {
    bool valid = !name.empty() && name.size() <= 63 &&
                 ((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_');
    for (char c : name) {
        valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    }
    if (!valid) {
        throw UsageError("environment name " + quote_value(name) + " is not a plain identifier",
                         "use lowercase letters, digits and underscores, starting with a letter "
                         "or an underscore, at most 63 characters: for example pr_1234");
    }
}

EnvironmentState environment_state(pg::Connection& admin, const std::string& name) {
    auto rows = admin.query(
        "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1), "
        "EXISTS (SELECT FROM pg_roles WHERE rolname = $1), "
        "coalesce((SELECT coalesce(shobj_description(oid, 'pg_database'), '') FROM pg_database "
        "WHERE datname = $1), $2) = $2 AND "
        "coalesce((SELECT coalesce(shobj_description(oid, 'pg_authid'), '') FROM pg_roles "
        "WHERE rolname = $1), $2) = $2",
        {name, std::string(k_environment_comment)});
    auto yes = [](const std::optional<std::string>& value) { return value == "t"; };
    return {yes(rows.at(0).at(0)), yes(rows.at(0).at(1)), yes(rows.at(0).at(2))};
}

void create_environment(pg::Connection& admin, const std::string& name,
                        const std::string& password_secret, const std::string& template_database) {
    std::string quoted = quote_identifier(name);
    std::string mark = quote_literal(k_environment_comment);
    // The role and its mark in one round trip (one implicit transaction).
    admin.execute("CREATE ROLE " + quoted + " LOGIN PASSWORD " + quote_literal(password_secret) +
                  ";\nCOMMENT ON ROLE " + quoted + " IS " + mark);
    try {
        // PostgreSQL 15's default strategy (WAL_LOG) copies the small template1
        // as fast as FILE_COPY here, without FILE_COPY's two checkpoints.
        admin.execute("CREATE DATABASE " + quoted + " OWNER " + quoted +
                      (template_database.empty()
                           ? std::string()
                           : " TEMPLATE " + quote_identifier(template_database)));
        admin.execute("COMMENT ON DATABASE " + quoted + " IS " + mark);
    } catch (...) {
        try {
            admin.execute("DROP DATABASE IF EXISTS " + quoted);
            admin.execute("DROP ROLE IF EXISTS " + quoted);
        } catch (...) {
            // The first error says what matters.
        }
        throw;
    }
}

void set_environment_password(pg::Connection& admin, const std::string& name,
                              const std::string& password_secret) {
    admin.execute("ALTER ROLE " + quote_identifier(name) + " PASSWORD " +
                  quote_literal(password_secret));
}

void drop_environment(pg::Connection& admin, const std::string& name) {
    EnvironmentState state = environment_state(admin, name);
    if (!state.ours) {
        throw CheckFailed("a database or role named " + name +
                              " exists but was not made by `ecluse env create`: left alone",
                          "drop it by hand if it is really meant to go");
    }
    std::string quoted = quote_identifier(name);
    if (state.database) {
        // WITH (FORCE) ends the database's connections first (PostgreSQL 13+).
        admin.execute("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)");
    }
    if (state.role) {
        admin.execute("DROP ROLE IF EXISTS " + quoted);
    }
}

std::vector<std::string> list_environments(pg::Connection& admin) {
    std::vector<std::string> out;
    for (const auto& row :
         admin.query("SELECT datname FROM pg_database WHERE shobj_description(oid, "
                     "'pg_database') = $1 ORDER BY datname",
                     {std::string(k_environment_comment)})) {
        out.push_back(row.at(0).value_or(""));
    }
    return out;
}

std::vector<std::string> application_tables(pg::Connection& connection,
                                            const std::string& ledger_schema) {
    std::vector<std::string> out;
    for (const auto& row : connection.query(
             "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c "
             "JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition "
             "AND n.nspname NOT IN ('pg_catalog', 'information_schema', $1) "
             "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%' "
             "AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
             "AND d.objid = c.oid AND d.deptype = 'e') "
             "ORDER BY 1",
             {ledger_schema})) {
        out.push_back(row.at(0).value_or(""));
    }
    return out;
}

} // namespace ecluse
