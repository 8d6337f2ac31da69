#include "cli/database.hpp"

namespace ecluse::cli {

DatabaseSession connect_database(const Settings& settings) {
    DatabaseSession session;
    std::string url = settings.database_url.value_or("");
    if (url == "scratch") {
        session.scratch = ScratchServer::start();
        url = session.scratch->url();
    }
    session.connection = std::make_unique<pg::Connection>(url);
    session.ledger = std::make_unique<Ledger>(*session.connection, settings.schema);
    return session;
}

void take_migration_lock(const Settings& settings, DatabaseSession& session) {
    auto wait = settings.lock_wait.value();
    try {
        // The lock and the ledger's layout version in one round trip.
        session.lock = std::make_unique<AdvisoryLock>(*session.connection, settings.schema, wait,
                                                      session.ledger->version_expression());
        session.ledger->check_version(session.lock->also());
    } catch (const pg::DatabaseError& error) {
        if (session.lock || !Ledger::tables_missing(error)) {
            throw;
        }
        // First use: no tables to read yet (the failed statement took no lock).
        session.lock = std::make_unique<AdvisoryLock>(*session.connection, settings.schema, wait);
        session.ledger->ensure_tables();
    }
}

DatabaseSession open_database(const Settings& settings, bool take_lock) {
    DatabaseSession session = connect_database(settings);
    if (take_lock) {
        take_migration_lock(settings, session);
    }
    return session;
}

MigratorOptions migrator_options(const Settings& settings) {
    MigratorOptions options;
    options.lock_timeout = settings.lock_timeout;
    options.statement_timeout = settings.statement_timeout;
    options.progress_every = settings.progress_interval;
    return options;
}

} // namespace ecluse::cli
