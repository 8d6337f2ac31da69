#pragma once

// What `data load` accepts: the statements a data-only dump holds
// (`pg_dump --data-only`, with or without --inserts), each checked with
// PostgreSQL's own parser before anything runs, so that a file cannot end
// the load's transaction, change the schema, touch ecluse's bookkeeping or
// reach outside the database.

#include "script/sql_splitter.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

struct DataDump {
    std::vector<Statement> statements; // what to run, in file order
    // ecluse's own tables and sequences the file fills ("ecluse.event_log"),
    // left out, in file order, each once.
    std::vector<std::string> skipped;
    std::size_t data_statements = 0; // INSERT, COPY and setval among `statements`
};

// Splits `text`, the content of `path`, and keeps only what a data-only
// dump holds: INSERT of constant VALUES (or DEFAULT VALUES, ON CONFLICT DO
// NOTHING), `COPY ... FROM stdin` with its data, `SELECT
// pg_catalog.setval(...)`, pg_dump's `SET` and `SELECT
// pg_catalog.set_config(...)` session settings, and pg_dump's \restrict and
// \unrestrict lines. Statements that fill `ledger_schema` (a plain pg_dump
// of a migrated database holds ecluse's bookkeeping) are left out and named
// in `skipped`. Throws InputError at the file:line of anything else, naming
// the statement's first words and what to do instead.
DataDump read_data_dump(std::string_view text, const std::string& path,
                        const std::string& ledger_schema);

} // namespace ecluse
