#pragma once

// Opening the database for a command: the connection (or a scratch
// server for `-d scratch`), the ledger, and the migration lock.

#include "config/settings.hpp"
#include "pg/connection.hpp"
#include "runtime/ledger.hpp"
#include "runtime/lock.hpp"
#include "runtime/migrator.hpp"
#include "scratch/scratch_server.hpp"

#include <memory>

namespace ecluse::cli {

struct DatabaseSession {
    std::unique_ptr<ScratchServer> scratch; // for `-d scratch`
    std::unique_ptr<pg::Connection> connection;
    std::unique_ptr<Ledger> ledger;
    std::unique_ptr<AdvisoryLock> lock;
};

// Connects; with `take_lock`, waits for the migration lock (exit 3 past
// --lock-wait) and creates the bookkeeping tables when missing.
DatabaseSession open_database(const Settings& settings, bool take_lock);

// open_database in two halves, for a command that reads the project while
// the server starts its backend: connecting (which takes milliseconds, or
// the scratch server's start), then the lock.
DatabaseSession connect_database(const Settings& settings);
void take_migration_lock(const Settings& settings, DatabaseSession& session);

MigratorOptions migrator_options(const Settings& settings);

} // namespace ecluse::cli
