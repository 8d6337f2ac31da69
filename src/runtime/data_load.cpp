#include "runtime/data_load.hpp"

#include "runtime/environment.hpp"
#include "runtime/fresh.hpp"
#include "runtime/snapshot.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

namespace ecluse {

DataDump read_data_file(const std::string& path, const std::string& ledger_schema, bool truncate) {
    DataDump dump = read_data_dump(read_file(path, k_max_data_file_size), path, ledger_schema);
    if (truncate && dump.data_statements == 0) {
        throw InputError(SourceLocation{path},
                         "the dump holds no row to load: with --truncate, loading it would "
                         "only empty every table; nothing was done",
                         "check that this is the dump you meant (`ecluse data dump FILE` "
                         "writes one); without --truncate, an empty file loads nothing");
    }
    return dump;
}

LoadOutcome load_data(pg::Connection& connection, const std::string& ledger_schema,
                      const std::string& path, DataDump dump, bool truncate) {
    LoadOutcome outcome;
    outcome.statements = dump.statements.size();
    outcome.skipped = dump.skipped;
    std::vector<Statement>& statements = dump.statements;
    if (truncate) {
        std::vector<std::string> tables = application_tables(connection, ledger_schema);
        outcome.truncated = tables.size();
        if (!tables.empty()) {
            Statement empty_all;
            empty_all.sql = "TRUNCATE " + join(tables, ", ") + " RESTART IDENTITY CASCADE";
            empty_all.location = SourceLocation{"(--truncate)"};
            statements.insert(statements.begin(), std::move(empty_all));
        }
    }
    run_in_transaction(connection, statements, {}, "loading " + path,
                       "the load was rolled back: the database is exactly as it was", true);
    return outcome;
}

void dump_data(const std::string& url, const std::string& ledger_schema, const std::string& path) {
    std::vector<std::string> arguments = without_ledger(ledger_schema);
    arguments.push_back("--data-only");
    write_file_atomically(path, run_pg_dump(pg_dump_program(), url, arguments));
}

} // namespace ecluse
