#pragma once

// Template databases for `env create`: a database made once from a snapshot
// (its schema, its rows and ecluse's bookkeeping of the revisions it
// replaces), from which every environment's database is a file copy
// (`CREATE DATABASE ... TEMPLATE`) instead of running the snapshot's DDL
// again. Everything in a template belongs to a NOLOGIN role of ecluse's,
// and each copy gives it to the environment's own role (REASSIGN OWNED), so
// that a copy is what applying the snapshot as that role would have made.

#include "pg/connection.hpp"
#include "script/snapshot_file.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace ecluse {

// The role that owns every object inside a template (never the template
// databases themselves: REASSIGN OWNED would hand those over too).
inline constexpr const char* k_template_owner = "ecluse_template_owner";
// A template's database comment is this prefix and its snapshot's file name.
inline constexpr const char* k_template_comment = "ecluse template of ";

// "ecluse_tmpl_" and 16 hex characters of the SHA-256 of everything the
// template's content depends on: the snapshot file, the bookkeeping schema,
// the ledger layout version and ecluse's version (recorded in each row).
std::string template_name(const SnapshotFile& snapshot, const std::string& ledger_schema);

struct TemplateOutcome {
    std::string name;                 // the template the database was copied from
    bool built = false;               // this call built it (the first create of a snapshot)
    double build_ms = 0;              // how long building it took
    std::vector<std::string> dropped; // older templates dropped after building
    bool spare = false;               // taken from a spare made ahead: no password yet
};

// Creates the environment `name` (its role with `password_secret`, its database
// owned by it, marked as environment_state() expects) as a copy of the
// template of `snapshot`, building the template first when there is none.
// `admin_url` is the admin connection's string: the template is built and
// the copy handed to the role through connections to those databases with
// the same settings. Building is serialised by a session advisory lock on
// the admin connection (copies share it), waiting at most `wait`: two
// concurrent creates build once. A template is built under a temporary
// name and renamed when complete, so a half-built one is never copied and a
// failed build leaves nothing. Building one drops the templates of older
// snapshots (by file name). On failure the environment is dropped again.
// When a spare of the template is ready (prepare_spares), it is taken
// instead of copying: its role and database are renamed to `name`, which
// costs a few milliseconds instead of a copy. The role of a spare has LOGIN
// but no password yet: the caller sets it (set_environment_password; the
// server's own check of a new password costs it several milliseconds, which
// can pass while the database is brought up through a connection of the
// admin's with SET ROLE) and attributes its bookkeeping rows (adopt_spare).
TemplateOutcome
create_environment_from_template(pg::Connection& admin, const std::string& admin_url,
                                 const std::string& name, const std::string& password_secret,
                                 const SnapshotFile& snapshot, const std::string& ledger_schema,
                                 std::chrono::milliseconds wait);

// Attributes the bookkeeping rows of an environment taken from a spare to
// its role (as a copy's are when copied), on a connection to its database.
void adopt_spare(pg::Connection& as_role, const std::string& ledger_schema,
                 const std::string& role);

struct SpareOutcome {
    TemplateOutcome from;          // the template, and whether this call built it
    std::vector<std::string> made; // the spares made by this call
    std::size_t ready = 0;         // the spares of that template ready now
};

// Makes spares of the template of `snapshot` (building it when there is
// none) until `count` are ready: each a NOLOGIN role `ecluse_spare_<hex>`
// and a copy of the template that it owns, as an environment's copy is.
// `env create` then takes one instead of copying. Spares are marked ready
// only once complete; an interrupted one is dropped by the next build or
// drop_templates. Two concurrent calls may make more than `count`.
SpareOutcome prepare_spares(pg::Connection& admin, const std::string& admin_url, std::size_t count,
                            const SnapshotFile& snapshot, const std::string& ledger_schema,
                            std::chrono::milliseconds wait);

// The template databases ecluse made on the server, by name.
std::vector<std::string> list_templates(pg::Connection& admin);

// Drops every spare and every template (and leftovers of interrupted builds
// and spares) and then the template owner role; returns the dropped
// databases' names.
std::vector<std::string> drop_templates(pg::Connection& admin, std::chrono::milliseconds wait);

} // namespace ecluse
