#pragma once

// Running and undoing seeders, tracked in ecluse's seed table so that
// running them all twice inserts once. Never part of upgrade or deploy.

#include "pg/connection.hpp"
#include "runtime/ledger.hpp"
#include "script/seed_file.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ecluse {

struct AppliedSeed {
    std::string name;
    std::string checksum;
    std::string path;
    std::string downgrade_sql; // stored so that a seed whose file is gone can be undone
    std::string applied_at;
};

// The seeds recorded as run, by name (the table must exist).
std::vector<AppliedSeed> applied_seeds(pg::Connection& connection, const Ledger& ledger);

// Runs the seed's upgrade section and records it, in one transaction.
// Throws MigrationFailed (rolled back) naming file:line.
void run_seed(pg::Connection& connection, const Ledger& ledger, const SeedFile& seed);

// Runs the downgrade section (the file's, else the stored one) and forgets
// the seed, in one transaction.
void undo_seed(pg::Connection& connection, const Ledger& ledger, const AppliedSeed& applied,
               const SeedFile* file);

} // namespace ecluse
