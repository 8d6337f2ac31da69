#include "runtime/seeds.hpp"

#include "ecluse_version.hpp"
#include "runtime/fresh.hpp"
#include "script/sql_splitter.hpp"

namespace ecluse {

using pg::quote_literal;

std::vector<AppliedSeed> applied_seeds(pg::Connection& connection, const Ledger& ledger) {
    std::vector<AppliedSeed> out;
    for (auto& row : connection.query(
             "SELECT name, checksum, path, downgrade_sql, to_char(applied_at AT TIME ZONE 'UTC', "
             "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM " +
             ledger.sql().quoted_schema() + ".seed ORDER BY name")) {
        out.push_back({row[0].value_or(""), row[1].value_or(""), row[2].value_or(""),
                       row[3].value_or(""), row[4].value_or("")});
    }
    return out;
}

void run_seed(pg::Connection& connection, const Ledger& ledger, const SeedFile& seed) {
    std::vector<Statement> statements =
        split_statements(seed.upgrade.text, SourceLocation{seed.path, seed.upgrade.first_line, 1});
    std::string schema = ledger.sql().quoted_schema();
    run_in_transaction(
        connection, statements,
        [&] {
            connection.execute("INSERT INTO " + schema +
                               ".seed (name, checksum, path, downgrade_sql, ecluse_version) "
                               "VALUES (" +
                               quote_literal(seed.name) + ", " + quote_literal(seed.checksum) +
                               ", " + quote_literal(seed.path) + ", " +
                               quote_literal(seed.downgrade.text) + ", " +
                               quote_literal(ECLUSE_VERSION) + ")");
            connection.execute(
                ledger.sql().log_sql("seed run", std::nullopt, "applied", seed.name, 0));
        },
        "seed " + seed.name, "it was rolled back: none of its rows are in the database");
}

void undo_seed(pg::Connection& connection, const Ledger& ledger, const AppliedSeed& applied,
               const SeedFile* file) {
    std::vector<Statement> statements =
        file != nullptr
            ? split_statements(file->downgrade.text,
                               SourceLocation{file->path, file->downgrade.first_line, 1})
            : split_statements(applied.downgrade_sql,
                               SourceLocation{applied.name + " (stored downgrade)", 1, 1});
    run_in_transaction(
        connection, statements,
        [&] {
            connection.execute("DELETE FROM " + ledger.sql().quoted_schema() +
                               ".seed WHERE name = " + quote_literal(applied.name));
            connection.execute(
                ledger.sql().log_sql("seed undo", std::nullopt, "applied", applied.name, 0));
        },
        "undoing seed " + applied.name, "it was rolled back: the seed stays applied");
}

} // namespace ecluse
