#include "runtime/environment_create.hpp"

#include "pg/conninfo.hpp"
#include "runtime/ledger.hpp"
#include "runtime/lock.hpp"
#include "util/hash.hpp"

#include <future>
#include <memory>

namespace ecluse {

namespace {

void refuse_existing(const EnvironmentState& state, const std::string& name) {
    throw CheckFailed(
        std::string("environment ") + name + " already exists (" +
            (state.database ? "database" : "") + (state.database && state.role ? " and " : "") +
            (state.role ? "role" : "") + " " + name + ")",
        "pass --recreate to drop it and create it again, or `ecluse env drop " + name + "` first");
}

} // namespace

CreatedEnvironment
create_pull_request_environment(const CreateEnvironmentOptions& options,
                                const std::function<EnvironmentProject()>& read_project) {
    const std::string& name = options.name;
    const std::string& admin = options.admin_url;
    refuse_reserved_environment_name(name);
    // A dump that is not data is refused before anything is made.
    std::optional<DataDump> data;
    if (options.data_file) {
        data = read_data_file(*options.data_file, options.ledger_schema, false);
    }
    // The server starts a backend for the admin connection while the
    // project is read. So do the environment's state (the new backend's
    // first query, slow with its catalog caches cold) and the password's
    // SCRAM secret.
    std::string password = random_hex(32);
    std::string secret;
    EnvironmentState state;
    auto connecting = std::async(std::launch::async, [&] {
        auto connection = std::make_unique<pg::Connection>(admin);
        state = environment_state(*connection, name);
        secret = scram_sha256_secret(password);
        return connection;
    });
    EnvironmentProject source = read_project();
    std::unique_ptr<pg::Connection> admin_connection = connecting.get();
    pg::Connection& server = *admin_connection;
    if (state.database || state.role) {
        if (!options.recreate) {
            refuse_existing(state, name);
        }
        drop_environment(server, name);
    }
    const SnapshotFile* usable =
        options.use_template
            ? usable_snapshot(source.graph, source.project, source.snapshots, source.heads)
            : nullptr;
    CreatedEnvironment created;
    if (usable != nullptr) {
        created.copied = create_environment_from_template(server, admin, name, secret, *usable,
                                                          options.ledger_schema, options.lock_wait);
    } else {
        create_environment(server, name, secret);
    }
    created.url = pg::connection_url_for(admin, name, password, name);
    if (usable != nullptr) {
        created.snapshot = usable->name;
    }
    // A spare's role gets its password on the admin connection while its
    // database is brought up by a connection of the admin's acting as the
    // role (SET ROLE): checking a new password costs the server a SCRAM
    // hashing of its own.
    bool spare = created.copied && created.copied->spare;
    std::future<void> setting_password;
    if (spare) {
        setting_password = std::async(std::launch::async, [&server, &name, &secret] {
            set_environment_password(server, name, secret);
        });
    }
    try {
        std::unique_ptr<pg::Connection> opened;
        if (spare) {
            opened =
                std::make_unique<pg::Connection>(pg::connection_string_with_database(admin, name));
            opened->execute("SET ROLE " + pg::quote_identifier(name));
        } else {
            opened = std::make_unique<pg::Connection>(created.url);
        }
        pg::Connection& connection = *opened;
        Ledger ledger(connection, options.ledger_schema);
        AdvisoryLock lock(connection, options.ledger_schema, options.lock_wait);
        if (spare) {
            adopt_spare(connection, options.ledger_schema, name);
        }
        ledger.ensure_tables();
        SnapshotOutcome applied;
        created.revisions = upgrade_to(connection, ledger, source.graph, source.project,
                                       source.snapshots, source.heads, options.migrator, &applied);
        if (applied.snapshot != nullptr) {
            created.snapshot = applied.snapshot->name;
        }
        if (options.data_file) {
            created.loaded = load_data(connection, options.ledger_schema, *options.data_file,
                                       std::move(*data), false);
        }
        if (spare) {
            setting_password.get();
        }
    } catch (const Error&) {
        try {
            if (setting_password.valid()) {
                setting_password.wait(); // the admin connection is free again
            }
            drop_environment(server, name);
        } catch (...) {
        }
        std::throw_with_nested(
            ErrorContext("creating environment " + name +
                         " failed; it was dropped again: nothing is left of it"));
    }
    return created;
}

} // namespace ecluse
