#pragma once

// `data load` and `data dump` as operations: a data-only dump checked
// (lint/data_dump.hpp) before anything runs, then run in one transaction
// that nothing in the file can end; and the dump that loads back.

#include "lint/data_dump.hpp"
#include "pg/connection.hpp"

#include <string>
#include <vector>

namespace ecluse {

// Reads the dump at `path` and checks it (read_data_dump): throws
// InputError at the file:line of a statement that is not data, and, with
// `truncate`, for a file that holds no row to load (an empty or cut-short
// file would otherwise only empty every table). Needs no connection.
DataDump read_data_file(const std::string& path, const std::string& ledger_schema, bool truncate);

struct LoadOutcome {
    std::size_t statements = 0;       // run, session settings included
    std::size_t truncated = 0;        // tables emptied first
    std::vector<std::string> skipped; // ecluse's own tables the dump filled, left out
};

// Runs `dump` (read from `path`) in one transaction, after `TRUNCATE ...
// RESTART IDENTITY CASCADE` of every application table (application_tables)
// when `truncate`. Throws MigrationFailed at the file:line of the failing
// statement, or of the failing row of a COPY block, with everything rolled
// back: the database is as it was.
LoadOutcome load_data(pg::Connection& connection, const std::string& ledger_schema,
                      const std::string& path, DataDump dump, bool truncate);

// Writes a data-only dump of the database at `url` to `path`, ecluse's
// bookkeeping schema left out (atomically: a failed dump leaves no file).
void dump_data(const std::string& url, const std::string& ledger_schema, const std::string& path);

} // namespace ecluse
