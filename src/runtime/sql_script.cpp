#include "runtime/sql_script.hpp"

#include "util/strings.hpp"

namespace ecluse {

namespace {

// The Migrator's statements as psql script lines.
class ScriptSink : public StatementSink {
public:
    explicit ScriptSink(std::string& out) : m_out(out) {}

    void begin_step(const RevisionFile& revision, Direction direction) override {
        // Escaped: a line break would end the comment, and psql would run
        // the next line (`\\! ...`) as a command.
        m_out += "\n-- " +
                 std::string(direction == Direction::upgrade ? "upgrade " : "downgrade ") +
                 std::string(branch_name(revision.branch)) + " " + printable(revision.revision) +
                 ": " + printable(revision.message) + " (" + printable(revision.path) + ")\n";
    }
    void send(const std::vector<std::string>& statements) override {
        for (const std::string& statement : statements) {
            m_out += statement + ";\n";
        }
    }
    void run(const Statement& statement) override {
        m_out += statement.sql + ";\n";
        if (statement.copy_data) {
            m_out += *statement.copy_data + "\\.\n";
        }
    }
    bool runs_now() const override { return false; }

private:
    std::string& m_out;
};

} // namespace

std::string render_sql_script(const std::vector<PreparedStep>& steps, const LedgerSql& ledger,
                              const MigratorOptions& options, const std::string& title) {
    std::string out = "-- " + printable(title) +
                      "\n-- Run with: psql -v ON_ERROR_STOP=1 -f <this file>\n\n"
                      "SET standard_conforming_strings = on;\n\n"
                      "-- ecluse's bookkeeping tables\nBEGIN;\n" +
                      ledger.create_sql() + "COMMIT;\n";
    ScriptSink sink(out);
    Migrator migrator(sink, ledger, options);
    for (const PreparedStep& step : steps) {
        migrator.run(step);
    }
    return out;
}

} // namespace ecluse
