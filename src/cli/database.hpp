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

MigratorOptions migrator_options(const Settings& settings);

} // namespace ecluse::cli
