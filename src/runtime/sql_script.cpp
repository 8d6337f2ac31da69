#include "runtime/sql_script.hpp"

namespace ecluse {

std::string render_sql_script(const std::vector<PreparedStep>& steps, const LedgerSql& ledger,
                              const MigratorOptions& options, const std::string& title) {
    std::string out = "-- " + title +
                      "\n-- Run with: psql -v ON_ERROR_STOP=1 -f <this file>\n\n"
                      "SET standard_conforming_strings = on;\n\n"
                      "-- ecluse's bookkeeping tables\nBEGIN;\n" +
                      ledger.create_sql() + "COMMIT;\n";
    for (const PreparedStep& prepared : steps) {
        const RevisionFile& revision = *prepared.step.revision;
        bool upgrade = prepared.step.direction == Direction::upgrade;
        bool transactional = revision.transaction == TransactionMode::per_migration;
        out += "\n-- " + std::string(upgrade ? "upgrade " : "downgrade ") +
               std::string(branch_name(revision.branch)) + " " + revision.revision + ": " +
               revision.message + " (" + revision.path + ")\n";
        if (transactional) {
            out += "BEGIN;\n";
        }
        for (const std::string& setting : timeout_settings(revision, options)) {
            out += setting + ";\n";
        }
        for (const Statement& statement : prepared.statements) {
            out += statement.sql + ";\n";
            if (statement.copy_data) {
                out += *statement.copy_data + "\\.\n";
            }
        }
        if (!transactional) {
            out += "BEGIN;\n";
        }
        out += (upgrade ? ledger.record_sql(revision, 0, false)
                        : ledger.forget_sql(revision.revision)) +
               ";\n";
        out += ledger.log_sql(upgrade ? "upgrade" : "downgrade", revision.revision, "applied",
                              "--sql", 0) +
               ";\nCOMMIT;\n";
        if (!transactional) {
            out += "RESET lock_timeout;\nRESET statement_timeout;\n";
        }
    }
    return out;
}

} // namespace ecluse
