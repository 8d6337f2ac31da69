#pragma once

// Pull-request environments on a server: a role with a random password and
// a database it owns, both marked as ecluse's (a comment), so that `env
// drop` and `env list` never touch what ecluse did not make. Also the
// application's tables, which `data load --truncate` empties.

#include "pg/connection.hpp"

#include <string>
#include <vector>

namespace ecluse {

// The comment that marks a database and a role as an environment.
inline constexpr const char* k_environment_comment = "ecluse environment";

// Throws UsageError unless `name` is a plain PostgreSQL identifier:
// lowercase letter or underscore, then lowercase letters, digits and
// underscores, at most 63 bytes.
void check_environment_name(const std::string& name);

// Throws UsageError for a name ecluse or PostgreSQL keeps for itself:
// ecluse_... (templates, spares, their owner) and pg_....
void refuse_reserved_environment_name(const std::string& name);

// Throws CheckFailed saying that `name` is taken (maybe by a create running
// at this moment) when `error` is a role's or a database's duplicate name.
void refuse_taken_name(const pg::DatabaseError& error, const std::string& name);

// Makes the admin (CURRENT_USER) a member of `role`: PostgreSQL 15 asks a
// CREATEROLE admin that is not superuser to be one before it may give the
// role a database, act as it or hand it objects.
void grant_role_to_admin(pg::Connection& admin, const std::string& role);

// Revokes CONNECT and TEMPORARY on `database` from PUBLIC and grants them
// to `role`: only it (and the admin) may reach the database.
void make_private(pg::Connection& admin, const std::string& database, const std::string& role);

struct EnvironmentState {
    bool database = false; // a database of that name exists
    bool role = false;     // a role of that name exists
    bool ours = false;     // each that exists carries ecluse's comment
};
EnvironmentState environment_state(pg::Connection& admin, const std::string& name);

// Creates the role (LOGIN, `password_secret`: the password's SCRAM secret,
// scram_sha256_secret, so the password itself never reaches the server) and
// the database it owns, a copy of `template_database` when given (else of
// template1), reachable by that role and the admin only (make_private); on
// failure whatever was made is dropped again. Throws CheckFailed when the
// name is taken (refuse_taken_name).
void create_environment(pg::Connection& admin, const std::string& name,
                        const std::string& password_secret,
                        const std::string& template_database = {});

// Sets the role's password to `password_secret` (its SCRAM secret).
void set_environment_password(pg::Connection& admin, const std::string& name,
                              const std::string& password_secret);

// Ends every session of the role (in any database) and the database's
// connections, drops the database and the role.
// Throws CheckFailed when either exists without ecluse's mark.
void drop_environment(pg::Connection& admin, const std::string& name);

// The environments on the server, by name.
std::vector<std::string> list_environments(pg::Connection& admin);

// Every table of the application: every schema's ordinary and partitioned
// tables (not partitions) except the system's, `ledger_schema` and those
// that belong to extensions; quoted "schema"."table", sorted.
std::vector<std::string> application_tables(pg::Connection& connection,
                                            const std::string& ledger_schema);

} // namespace ecluse
