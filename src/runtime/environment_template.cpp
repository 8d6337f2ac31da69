#include "runtime/environment_template.hpp"

#include "ecluse_version.hpp"
#include "pg/conninfo.hpp"
#include "runtime/environment.hpp"
#include "runtime/fresh.hpp"
#include "runtime/ledger.hpp"
#include "util/hash.hpp"
#include "util/log.hpp"
#include "util/time.hpp"

#include <algorithm>
#include <chrono>

namespace ecluse {

using pg::quote_identifier;
using pg::quote_literal;

namespace {

// The comment of a template while it is being built (under another name).
constexpr const char* k_building_comment = "ecluse template build";
// The comment of a spare's database and role while it is being made; a
// ready spare's database has k_spare_comment and its template's name.
constexpr const char* k_spare_making_comment = "ecluse spare being made";
constexpr const char* k_spare_comment = "ecluse spare of ";
constexpr const char* k_spare_prefix = "ecluse_spare_";
// The advisory lock that serialises building templates (exclusive) against
// copying them (shared), on the admin connection's database.
constexpr const char* k_template_lock_key = "1701015926, 1";
// A transaction advisory lock that serialises taking spares.
constexpr const char* k_spare_lock_key = "1701015926, 2";

// A session advisory lock on the admin connection, exclusive or shared,
// waited for at most `wait` (lock_timeout applies to advisory locks).
class TemplateLock {
public:
    TemplateLock(pg::Connection& admin, bool exclusive, std::chrono::milliseconds wait)
        : m_admin(admin),
          m_unlock(exclusive ? "SELECT pg_advisory_unlock(" : "SELECT pg_advisory_unlock_shared(") {
        m_unlock += std::string(k_template_lock_key) + ")";
        try {
            // lock_timeout 0 would wait for ever.
            m_admin.execute(
                "SET lock_timeout = " + std::to_string(std::max<long long>(wait.count(), 1)) +
                ";\nSELECT " + (exclusive ? "pg_advisory_lock(" : "pg_advisory_lock_shared(") +
                k_template_lock_key + ");\nRESET lock_timeout");
        } catch (const pg::DatabaseError& error) {
            if (error.server().sqlstate != "55P03") {
                throw;
            }
            throw LockBusy("another ecluse kept the environment templates locked (building one) "
                           "for longer than --lock-wait (" +
                               std::to_string(wait.count()) + " ms)",
                           "try again once it is done, or pass a longer --lock-wait");
        }
    }
    ~TemplateLock() {
        try {
            m_admin.execute(m_unlock);
        } catch (...) {
            // Ending the session releases it.
        }
    }
    TemplateLock(const TemplateLock&) = delete;
    TemplateLock& operator=(const TemplateLock&) = delete;

private:
    pg::Connection& m_admin;
    std::string m_unlock;
};

// Whether the template exists and is ready to be copied; throws CheckFailed
// when a database of that name is something else.
bool template_ready(pg::Connection& admin, const std::string& name) {
    auto rows = admin.query("SELECT datistemplate AND NOT datallowconn AND "
                            "coalesce(shobj_description(oid, 'pg_database'), '') LIKE $2 || '%' "
                            "FROM pg_database WHERE datname = $1",
                            {name, std::string(k_template_comment)});
    if (rows.empty()) {
        return false;
    }
    if (rows.at(0).at(0) != std::optional<std::string>("t")) {
        throw CheckFailed("a database named " + name +
                              " exists but is not a template database made by ecluse",
                          "drop it by hand, or pass --no-template to apply the snapshot directly");
    }
    return true;
}

// (name, comment) of every database whose comment starts with `prefix`.
std::vector<std::pair<std::string, std::string>> databases_commented(pg::Connection& admin,
                                                                     const std::string& prefix) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& row :
         admin.query("SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database "
                     "WHERE starts_with(coalesce(shobj_description(oid, 'pg_database'), ''), $1) "
                     "ORDER BY datname",
                     {prefix})) {
        out.emplace_back(row.at(0).value_or(""), row.at(1).value_or(""));
    }
    return out;
}

// Drops a template database (not a template any more first: PostgreSQL
// refuses to drop one that is).
void drop_template_database(pg::Connection& admin, const std::string& name) {
    std::string quoted = quote_identifier(name);
    admin.execute("ALTER DATABASE " + quoted + " WITH IS_TEMPLATE false");
    admin.execute("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)");
}

// Drops a spare: its database (of the same name) and its role.
void drop_spare(pg::Connection& admin, const std::string& name) {
    std::string quoted = quote_identifier(name);
    admin.execute("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)");
    admin.execute("DROP ROLE IF EXISTS " + quoted);
}

// The ready spares of `template_database` (every template's when empty).
std::vector<std::string> spares_of(pg::Connection& admin, const std::string& template_database) {
    std::vector<std::string> out;
    for (const auto& [name, comment] : databases_commented(admin, k_spare_comment)) {
        if (template_database.empty() ||
            comment.substr(std::string_view(k_spare_comment).size()) == template_database) {
            out.push_back(name);
        }
    }
    return out;
}

// Leftovers of builds that were interrupted (the process killed): with the
// exclusive lock held no build is running. Best effort.
void drop_interrupted_builds(pg::Connection& admin) {
    for (const auto& [name, comment] : databases_commented(admin, k_building_comment)) {
        try {
            admin.execute("DROP DATABASE IF EXISTS " + quote_identifier(name) + " WITH (FORCE)");
            log::info("dropped " + name + ", left by an interrupted template build");
        } catch (const pg::DatabaseError& error) {
            log::warn("could not drop " + name +
                      ", left by an interrupted template build: " + error.server().message);
        }
    }
    // Spares are made under the shared lock: none is being made now.
    for (const auto& row :
         admin.query("SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) AND "
                     "coalesce(shobj_description(oid, 'pg_authid'), '') = $2 ORDER BY 1",
                     {std::string(k_spare_prefix), std::string(k_spare_making_comment)})) {
        std::string name = row.at(0).value_or("");
        try {
            drop_spare(admin, name);
            log::info("dropped " + name + ", left by an interrupted `env prepare`");
        } catch (const pg::DatabaseError& error) {
            log::warn("could not drop " + name +
                      ", left by an interrupted `env prepare`: " + error.server().message);
        }
    }
}

void ensure_template_owner(pg::Connection& admin) {
    std::string role = quote_identifier(k_template_owner);
    try {
        admin.execute("DO $$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = " +
                      quote_literal(k_template_owner) + ") THEN CREATE ROLE " + role +
                      " NOLOGIN; COMMENT ON ROLE " + role +
                      " IS 'owns what ecluse''s template databases hold'; END IF; END$$");
    } catch (const pg::DatabaseError& error) {
        // Made meanwhile by an ecluse whose admin connection is to another database.
        if (admin.query("SELECT FROM pg_roles WHERE rolname = $1", {std::string(k_template_owner)})
                .empty()) {
            throw;
        }
    }
    grant_role_to_admin(admin, k_template_owner);
}

// Applies the snapshot, as the template owner, to a new database that
// becomes the template `name` once complete; false when another ecluse
// made it meanwhile. A failed build leaves nothing.
bool build_template(pg::Connection& admin, const std::string& admin_url, const std::string& name,
                    const SnapshotFile& snapshot, const std::string& ledger_schema) {
    drop_interrupted_builds(admin);
    ensure_template_owner(admin);
    std::string building = name + "_build_" + random_hex(8);
    std::string quoted = quote_identifier(building);
    // Owned by the template owner while it is built, so that it may create
    // schemas and use public, as an environment's role does in its own.
    admin.execute("CREATE DATABASE " + quoted + " OWNER " + quote_identifier(k_template_owner));
    try {
        admin.execute("COMMENT ON DATABASE " + quoted + " IS " + quote_literal(k_building_comment));
        // Only the template owner (and the admin) may reach it, then or later.
        make_private(admin, building, k_template_owner);
        {
            pg::Connection connection(pg::connection_string_with_database(admin_url, building));
            connection.execute("SET ROLE " + quote_identifier(k_template_owner));
            Ledger ledger(connection, ledger_schema);
            ledger.ensure_tables();
            apply_snapshot(connection, ledger, snapshot);
        }
        // The database itself goes back to the admin: REASSIGN OWNED in a
        // copy must not hand the templates over to the copy's role.
        admin.execute("ALTER DATABASE " + quoted + " OWNER TO CURRENT_USER;\nALTER DATABASE " +
                      quoted + " WITH IS_TEMPLATE true ALLOW_CONNECTIONS false;\nCOMMENT ON " +
                      "DATABASE " + quoted + " IS " +
                      quote_literal(k_template_comment + snapshot.name) + ";\nALTER DATABASE " +
                      quoted + " RENAME TO " + quote_identifier(name));
    } catch (const pg::DatabaseError& error) {
        bool made_meanwhile = error.server().sqlstate == "42P04";
        try {
            admin.execute("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)");
        } catch (...) {
            // The first error says what matters.
        }
        if (made_meanwhile) {
            return false;
        }
        throw;
    } catch (...) {
        try {
            admin.execute("DROP DATABASE IF EXISTS " + quoted + " WITH (FORCE)");
        } catch (...) {
        }
        throw;
    }
    return true;
}

// Drops the templates of snapshots older than (or as old as) `snapshot`,
// other than `keep`.
std::vector<std::string> drop_older_templates(pg::Connection& admin, const std::string& keep,
                                              const SnapshotFile& snapshot) {
    std::vector<std::string> dropped;
    std::string prefix = k_template_comment;
    for (const auto& [name, comment] : databases_commented(admin, prefix)) {
        if (name == keep || comment.substr(prefix.size()) > snapshot.name) {
            continue;
        }
        try {
            for (const std::string& spare : spares_of(admin, name)) {
                drop_spare(admin, spare);
            }
            drop_template_database(admin, name);
            dropped.push_back(name);
        } catch (const pg::DatabaseError& error) {
            log::warn("could not drop the older template " + name + ": " + error.server().message);
        }
    }
    return dropped;
}

// Hands everything of the template owner in the copy `name` to its role,
// and the bookkeeping rows too, as if the role had applied the snapshot.
void adopt_copy(const std::string& admin_url, const std::string& name,
                const std::string& ledger_schema) {
    pg::Connection connection(pg::connection_string_with_database(admin_url, name));
    connection.execute("REASSIGN OWNED BY " + quote_identifier(k_template_owner) + " TO " +
                       quote_identifier(name) + ";\n" +
                       LedgerSql(ledger_schema).attribute_to_sql(name));
}

// Makes one spare of `template_database`: a NOLOGIN role and a copy it
// owns, everything in it handed over as for an environment. Marked ready
// (its database's comment) only once complete; a failure drops it.
std::string make_spare(pg::Connection& admin, const std::string& admin_url,
                       const std::string& template_database, const std::string& ledger_schema) {
    std::string name = k_spare_prefix + random_hex(16);
    std::string quoted = quote_identifier(name);
    std::string making = quote_literal(k_spare_making_comment);
    admin.execute("CREATE ROLE " + quoted + " NOLOGIN;\nCOMMENT ON ROLE " + quoted + " IS " +
                  making);
    try {
        grant_role_to_admin(admin, name);
        admin.execute("CREATE DATABASE " + quoted + " OWNER " + quoted + " TEMPLATE " +
                      quote_identifier(template_database));
        make_private(admin, name, name);
        adopt_copy(admin_url, name, ledger_schema);
        admin.execute("COMMENT ON ROLE " + quoted + " IS NULL;\nCOMMENT ON DATABASE " + quoted +
                      " IS " + quote_literal(k_spare_comment + template_database));
    } catch (...) {
        try {
            drop_spare(admin, name);
        } catch (...) {
            // The first error says what matters.
        }
        throw;
    }
    return name;
}

// Turns a ready spare of `template_database` into the environment `name`
// (renames its role and database, gives the role LOGIN, marks both as an
// environment's), in one transaction; false when there is no spare. Taking
// is serialised, so two creates never take the same one.
bool take_spare(pg::Connection& admin, const std::string& name,
                const std::string& template_database) {
    admin.execute(std::string("BEGIN;\nSELECT pg_advisory_xact_lock(") + k_spare_lock_key + ")");
    try {
        auto rows = admin.query("SELECT datname FROM pg_database WHERE "
                                "shobj_description(oid, 'pg_database') = $1 ORDER BY 1 LIMIT 1",
                                {k_spare_comment + template_database});
        if (rows.empty()) {
            admin.execute("ROLLBACK");
            return false;
        }
        std::string spare = quote_identifier(rows.at(0).at(0).value_or(""));
        std::string quoted = quote_identifier(name);
        std::string mark = quote_literal(k_environment_comment);
        admin.execute("ALTER ROLE " + spare + " RENAME TO " + quoted + ";\nALTER ROLE " + quoted +
                      " LOGIN;\nCOMMENT ON ROLE " + quoted + " IS " + mark + ";\nALTER DATABASE " +
                      spare + " RENAME TO " + quoted + ";\nCOMMENT ON DATABASE " + quoted + " IS " +
                      mark + ";\nCOMMIT");
    } catch (const pg::DatabaseError& error) {
        try {
            admin.execute("ROLLBACK");
        } catch (...) {
        }
        refuse_taken_name(error, name);
        throw;
    } catch (...) {
        try {
            admin.execute("ROLLBACK");
        } catch (...) {
            // A lost connection rolls back on the server's side.
        }
        throw;
    }
    return true;
}

// Calls `use` with the template of `snapshot` ready to copy, building it
// first when there is none, under the template lock (shared to copy,
// exclusive to build); fills the outcome's name and what building did.
template <typename Use>
void with_template(pg::Connection& admin, const std::string& admin_url,
                   const SnapshotFile& snapshot, const std::string& ledger_schema,
                   std::chrono::milliseconds wait, TemplateOutcome& outcome, Use use) {
    outcome.name = template_name(snapshot, ledger_schema);
    {
        TemplateLock copying(admin, false, wait);
        if (template_ready(admin, outcome.name)) {
            use();
            return;
        }
    }
    TemplateLock building(admin, true, wait);
    if (!template_ready(admin, outcome.name)) {
        auto start = std::chrono::steady_clock::now();
        try {
            outcome.built = build_template(admin, admin_url, outcome.name, snapshot, ledger_schema);
        } catch (const Error&) {
            std::throw_with_nested(ErrorContext(
                "building the template database " + outcome.name + " from snapshot " +
                    snapshot.name + " failed",
                "nothing was created; `env create --no-template` applies the snapshot to the "
                "environment's database instead"));
        }
        outcome.build_ms = elapsed_ms(start);
        if (outcome.built) {
            outcome.dropped = drop_older_templates(admin, outcome.name, snapshot);
        }
    }
    use();
}

} // namespace

std::string template_name(const SnapshotFile& snapshot, const std::string& ledger_schema) {
    std::string key = std::to_string(k_ledger_version) + "\n" + ECLUSE_VERSION + "\n" +
                      ledger_schema + "\n" + snapshot.name + "\n" + render_snapshot_file(snapshot);
    return "ecluse_tmpl_" + sha256_hex(key).substr(0, 16);
}

TemplateOutcome
create_environment_from_template(pg::Connection& admin, const std::string& admin_url,
                                 const std::string& name, const std::string& password_secret,
                                 const SnapshotFile& snapshot, const std::string& ledger_schema,
                                 std::chrono::milliseconds wait) {
    TemplateOutcome outcome;
    with_template(admin, admin_url, snapshot, ledger_schema, wait, outcome, [&] {
        outcome.spare = take_spare(admin, name, outcome.name);
        if (!outcome.spare) {
            create_environment(admin, name, password_secret, outcome.name);
        }
    });
    if (outcome.spare) {
        return outcome; // the caller sets its password and calls adopt_spare
    }
    try {
        adopt_copy(admin_url, name, ledger_schema);
    } catch (...) {
        try {
            drop_environment(admin, name);
        } catch (...) {
        }
        throw;
    }
    return outcome;
}

void adopt_spare(pg::Connection& as_role, const std::string& ledger_schema,
                 const std::string& role) {
    as_role.execute(LedgerSql(ledger_schema).attribute_to_sql(role));
}

SpareOutcome prepare_spares(pg::Connection& admin, const std::string& admin_url, std::size_t count,
                            const SnapshotFile& snapshot, const std::string& ledger_schema,
                            std::chrono::milliseconds wait) {
    SpareOutcome outcome;
    with_template(admin, admin_url, snapshot, ledger_schema, wait, outcome.from, [&] {
        std::size_t ready = spares_of(admin, outcome.from.name).size();
        for (; ready < count; ++ready) {
            try {
                outcome.made.push_back(
                    make_spare(admin, admin_url, outcome.from.name, ledger_schema));
            } catch (const Error&) {
                std::throw_with_nested(ErrorContext(
                    "making a spare of the template database " + outcome.from.name + " failed",
                    "nothing of that spare is left; the " + std::to_string(ready) +
                        " spares ready before it stay ready. Run `env prepare` "
                        "again once the cause is fixed"));
            }
        }
        outcome.ready = ready;
    });
    return outcome;
}

std::vector<std::string> list_templates(pg::Connection& admin) {
    std::vector<std::string> out;
    for (const auto& entry : databases_commented(admin, k_template_comment)) {
        out.push_back(entry.first);
    }
    return out;
}

std::vector<std::string> drop_templates(pg::Connection& admin, std::chrono::milliseconds wait) {
    TemplateLock building(admin, true, wait);
    drop_interrupted_builds(admin);
    std::vector<std::string> dropped;
    for (const std::string& name : spares_of(admin, "")) {
        drop_spare(admin, name);
        dropped.push_back(name);
    }
    for (const std::string& name : list_templates(admin)) {
        drop_template_database(admin, name);
        dropped.push_back(name);
    }
    admin.execute("DROP ROLE IF EXISTS " + quote_identifier(k_template_owner));
    return dropped;
}

} // namespace ecluse
