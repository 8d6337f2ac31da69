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

void refuse_reserved_environment_name(const std::string& name) {
    for (const char* prefix : {"ecluse_", "pg_"}) {
        if (name.rfind(prefix, 0) == 0) {
            throw UsageError("environment name " + quote_value(name) + " starts with " +
                                 quote_value(prefix) + ", which is reserved",
                             std::string("ecluse names its own roles and databases ecluse_... "
                                         "(templates, spares, their owner) and PostgreSQL its "
                                         "roles pg_...: an environment of such a name could "
                                         "take theirs over. Choose another name, for example "
                                         "pr_1234"));
        }
    }
}

void refuse_taken_name(const pg::DatabaseError& error, const std::string& name) {
    // 42710: the role exists; 42P04: the database exists; 23505 on the
    // catalogs' unique indexes: another run created it at the same moment.
    const pg::ServerError& server = error.server();
    bool raced = server.sqlstate == "23505" &&
                 (server.message.find("pg_authid_rolname_index") != std::string::npos ||
                  server.message.find("pg_database_datname_index") != std::string::npos);
    if (server.sqlstate == "42710" || server.sqlstate == "42P04" || raced) {
        throw CheckFailed("environment " + name +
                              " already exists, or is being created by another run at this moment",
                          "`ecluse env list` names the environments; pass --recreate to make it "
                          "again, or `ecluse env drop " +
                              name + "` first");
    }
}

void grant_role_to_admin(pg::Connection& admin, const std::string& role) {
    admin.execute("GRANT " + quote_identifier(role) + " TO CURRENT_USER");
}

void make_private(pg::Connection& admin, const std::string& database, const std::string& role) {
    std::string quoted = quote_identifier(database);
    admin.execute("REVOKE CONNECT, TEMPORARY ON DATABASE " + quoted +
                  " FROM PUBLIC;\nGRANT CONNECT, TEMPORARY ON DATABASE " + quoted + " TO " +
                  quote_identifier(role));
}

void create_environment(pg::Connection& admin, const std::string& name,
                        const std::string& password_secret, const std::string& template_database) {
    std::string quoted = quote_identifier(name);
    std::string mark = quote_literal(k_environment_comment);
    // The role and its mark in one round trip (one implicit transaction).
    try {
        admin.execute("CREATE ROLE " + quoted + " LOGIN PASSWORD " +
                      quote_literal(password_secret) + ";\nCOMMENT ON ROLE " + quoted + " IS " +
                      mark);
    } catch (const pg::DatabaseError& error) {
        refuse_taken_name(error, name);
        throw;
    }
    try {
        grant_role_to_admin(admin, name);
        // PostgreSQL 15's default strategy (WAL_LOG) copies the small template1
        // as fast as FILE_COPY here, without FILE_COPY's two checkpoints.
        admin.execute("CREATE DATABASE " + quoted + " OWNER " + quoted +
                      (template_database.empty()
                           ? std::string()
                           : " TEMPLATE " + quote_identifier(template_database)));
        admin.execute("COMMENT ON DATABASE " + quoted + " IS " + mark);
        make_private(admin, name, name);
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
    if (state.role) {
        // Its sessions in every database (the environment's and any other
        // it could reach), ended before anything is dropped; NOLOGIN first
        // so that none starts meanwhile. Each termination is waited for, so
        // that the temporary tables it held are gone and do not keep DROP
        // ROLE from working.
        admin.execute("ALTER ROLE " + quoted + " NOLOGIN");
        admin.query("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE "
                    "usename = $1 AND pid <> pg_backend_pid()",
                    {name});
    }
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
