#include "runtime/adopt.hpp"

#include "runtime/fresh.hpp"
#include "runtime/snapshot.hpp"
#include "script/project.hpp"
#include "script/sql_splitter.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace ecluse {

namespace {

// Each tool's table: its default name and the columns that tell it apart.
struct ToolTable {
    OldTool tool;
    std::string_view table;
    std::string_view columns; // a PostgreSQL text[] literal
    std::string_view upgrade; // what applies its pending migrations
};

constexpr std::array<ToolTable, 4> k_tools = {{
    {OldTool::alembic, "alembic_version", "{version_num}", "alembic upgrade"},
    {OldTool::sequelize, "SequelizeMeta", "{name}", "npx sequelize-cli db:migrate"},
    {OldTool::typeorm, "migrations", "{timestamp,name}", "npx typeorm migration:run"},
    {OldTool::flyway, "flyway_schema_history",
     "{installed_rank,version,script,checksum,success,type}", "flyway migrate"},
}};

const ToolTable& tool_table(OldTool tool) {
    return *std::find_if(k_tools.begin(), k_tools.end(),
                         [&](const ToolTable& each) { return each.tool == tool; });
}

std::string qualified(const std::string& schema, const std::string& table) {
    return pg::quote_identifier(schema) + "." + pg::quote_identifier(table);
}

// The tables of `tool` in the database: named `table` (its default when
// empty), in `schema` when given, with the tool's columns.
std::vector<OldToolState> tables_of(pg::Connection& connection, const ToolTable& tool,
                                    const std::optional<std::string>& schema,
                                    const std::optional<std::string>& table,
                                    const std::string& ledger_schema) {
    auto rows = connection.query(
        "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND c.relname = $1 AND ($2::text IS NULL OR n.nspname = $2) "
        "AND n.nspname <> $3 AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND NOT EXISTS (SELECT FROM unnest($4::text[]) AS wanted(name) WHERE NOT EXISTS ("
        "SELECT FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 "
        "AND NOT a.attisdropped AND a.attname = wanted.name)) ORDER BY 1",
        {table.value_or(std::string(tool.table)), schema, ledger_schema,
         std::string(tool.columns)});
    std::vector<OldToolState> found;
    for (const auto& row : rows) {
        found.push_back({tool.tool, row[0].value_or(""), row[1].value_or(""), {}});
    }
    return found;
}

std::vector<std::string> read_position(pg::Connection& connection, OldToolState& state) {
    std::string from = " FROM " + state.qualified_name();
    std::vector<std::string> position;
    auto column = [&](const std::string& sql) {
        for (const auto& row : connection.query(sql)) {
            position.push_back(row[0].value_or(""));
        }
    };
    switch (state.tool) {
    case OldTool::alembic:
        column("SELECT version_num::text" + from + " ORDER BY 1");
        break;
    case OldTool::sequelize:
        column("SELECT name::text" + from + " ORDER BY 1");
        break;
    case OldTool::typeorm:
        column("SELECT name::text" + from + " ORDER BY \"timestamp\", name");
        break;
    case OldTool::flyway: {
        std::vector<std::string> failed;
        std::map<std::string, std::string> repeatable; // script: its newest checksum
        for (const auto& row :
             connection.query("SELECT version::text, script::text, checksum::text, "
                              "success::text, type::text" +
                              from + " ORDER BY installed_rank")) {
            std::string version = row[0].value_or("");
            std::string script = row[1].value_or("");
            std::string checksum = row[2].value_or("-");
            if (row[4].value_or("") == "SCHEMA") {
                continue; // Flyway's own "create the schemas" row
            }
            if (row[3].value_or("false") != "true") {
                failed.push_back((row[0] ? "V" + version + " " : "") + script);
            } else if (!row[0]) {
                repeatable[script] = checksum;
            } else {
                position.push_back("V" + version + " " + script + " " + checksum);
            }
        }
        if (!failed.empty()) {
            throw CheckFailed(state.qualified_name() +
                                  " records a failed migration: " + join(failed, ", "),
                              "repair it first (fix the migration, `flyway repair`, `flyway "
                              "migrate`), then run `ecluse adopt` again; nothing was changed");
        }
        for (const auto& [script, checksum] : repeatable) {
            position.push_back("R " + script + " " + checksum);
        }
        break;
    }
    }
    return position;
}

// The settings pg_dump puts in its preamble that ecluse sets itself per
// revision: left out of the baseline.
bool is_timeout_setting(std::string_view name) {
    return name == "statement_timeout" || name == "lock_timeout" ||
           name == "idle_in_transaction_session_timeout" || name == "idle_session_timeout" ||
           name == "transaction_timeout";
}

std::vector<std::string> statements_of(std::string_view sql, const std::string& where) {
    std::vector<std::string> out;
    for (Statement& statement : split_statements(sql, SourceLocation{where, 1, 1})) {
        out.push_back(std::move(statement.sql));
    }
    return out;
}

// The elements of `a` that `b` does not have (as many times as `a` has
// them more), in a's order.
std::vector<std::string> missing_from(const std::vector<std::string>& a,
                                      const std::vector<std::string>& b) {
    std::map<std::string_view, int> count;
    for (const std::string& each : b) {
        ++count[each];
    }
    std::vector<std::string> out;
    for (const std::string& each : a) {
        auto it = count.find(each);
        if (it != count.end() && it->second > 0) {
            --it->second;
        } else {
            out.push_back(each);
        }
    }
    return out;
}

// A statement on one line for a message: its whitespace collapsed, cut
// past 160 characters.
std::string one_line(std::string_view sql) {
    std::string out;
    for (char c : sql) {
        bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (space && (out.empty() || out.back() == ' ')) {
            continue;
        }
        out += space ? ' ' : c;
    }
    if (out.size() > 160) {
        out.resize(157);
        out += "...";
    }
    return out;
}

std::string listed(const std::vector<std::string>& items, std::size_t most = 10) {
    std::vector<std::string> shown(items.begin(),
                                   items.begin() + static_cast<long>(std::min(most, items.size())));
    std::string out = join(shown, ", ");
    if (items.size() > most) {
        out += " and " + std::to_string(items.size() - most) + " more";
    }
    return out;
}

} // namespace

std::string_view old_tool_upgrade_command(OldTool tool) {
    return tool_table(tool).upgrade;
}

std::string OldToolState::qualified_name() const {
    // Quoted only where PostgreSQL would need it, for messages.
    auto shown = [](const std::string& name) {
        bool plain = !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0])) &&
                     std::all_of(name.begin(), name.end(), [](char c) {
                         return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                     });
        return plain ? name : pg::quote_identifier(name);
    };
    return shown(schema) + "." + shown(table);
}

OldToolState read_old_tool(pg::Connection& connection, const AdoptOptions& options) {
    std::optional<std::string> schema;
    std::optional<std::string> table = options.table;
    if (table && table->find('.') != std::string::npos) {
        schema = table->substr(0, table->find('.'));
        table = table->substr(table->find('.') + 1);
    }
    std::vector<OldToolState> found;
    for (const ToolTable& tool : k_tools) {
        if (!options.from || *options.from == tool.tool) {
            for (OldToolState& state :
                 tables_of(connection, tool, schema, table, options.ledger_schema)) {
                found.push_back(std::move(state));
            }
        }
    }
    if (found.empty()) {
        std::string looked;
        for (const ToolTable& tool : k_tools) {
            if (!options.from || *options.from == tool.tool) {
                looked += std::string(looked.empty() ? "" : ", ") +
                          (options.table ? *options.table : std::string(tool.table)) + " (" +
                          std::string(old_tool_name(tool.tool)) + ")";
            }
        }
        throw CheckFailed("no old tool's table in this database: looked for " + looked,
                          "an empty database needs no adopt (`ecluse upgrade heads` builds it); "
                          "if the old tool's table has another name, give it with --from TOOL "
                          "--table [SCHEMA.]NAME");
    }
    if (found.size() > 1) {
        std::vector<std::string> names;
        for (const OldToolState& state : found) {
            names.push_back(state.qualified_name() + " (" + std::string(old_tool_name(state.tool)) +
                            ")");
        }
        throw CheckFailed("several old tools' tables in this database: " + join(names, ", "),
                          "name the one this database's schema follows: --from TOOL, and --table "
                          "SCHEMA.NAME when one tool has several");
    }
    OldToolState state = std::move(found.front());
    state.position = read_position(connection, state);
    return state;
}

std::vector<std::string> baseline_dump_arguments(const Adoption& adoption,
                                                 const std::string& ledger_schema) {
    std::vector<std::string> arguments = without_ledger(ledger_schema);
    arguments.insert(
        arguments.end(),
        {"--schema-only", "--exclude-table=" + qualified(adoption.schema, adoption.table)});
    if (adoption.no_owner) {
        arguments.emplace_back("--no-owner");
    }
    if (adoption.no_privileges) {
        arguments.emplace_back("--no-privileges");
    }
    return arguments;
}

std::string baseline_sql(const std::string& dump) {
    std::string out;
    for (const std::string& sql : statements_of(dump, "pg_dump")) {
        std::string statement = sql;
        if (sql.rfind("SET ", 0) == 0) {
            std::string_view setting = std::string_view(sql).substr(4);
            std::string_view name = setting.substr(0, setting.find_first_of(" ="));
            if (is_timeout_setting(name)) {
                continue;
            }
            statement = "SET LOCAL " + std::string(setting);
        } else if (sql == "SELECT pg_catalog.set_config('search_path', '', false)") {
            statement = "SELECT pg_catalog.set_config('search_path', '', true)";
        }
        out += statement;
        out += ";\n\n";
    }
    if (!out.empty()) {
        out.pop_back();
    }
    return out;
}

Baseline take_baseline(const std::string& url, const OldToolState& state,
                       const AdoptOptions& options, const std::string& revision_id,
                       SystemTime now) {
    Baseline baseline;
    baseline.adoption = {state.tool,       state.schema,          state.table,
                         options.no_owner, options.no_privileges, state.position};
    std::string sql = baseline_sql(run_pg_dump(
        pg_dump_program(), url, baseline_dump_arguments(baseline.adoption, options.ledger_schema)));
    baseline.statements = statements_of(sql, "pg_dump").size();
    RevisionFile& revision = baseline.revision;
    revision.branch = Branch::pre;
    revision.revision = revision_id;
    revision.message = "baseline adopted from " + std::string(old_tool_name(state.tool));
    revision.created = format_iso8601_utc(now);
    revision.upgrade = {render_adoption(baseline.adoption) + sql, 0, true};
    revision.path = (std::filesystem::path(k_migrations_folder) / branch_name(Branch::pre) /
                     revision_file_name(format_compact_utc(now), revision_id, revision.message))
                        .string();
    return baseline;
}

PositionDifference compare_positions(const std::vector<std::string>& recorded,
                                     const std::vector<std::string>& actual) {
    return {missing_from(recorded, actual), missing_from(actual, recorded)};
}

SchemaDifference compare_schemas(std::string_view baseline, std::string_view database) {
    std::vector<std::string> expected = statements_of(baseline, "baseline");
    std::vector<std::string> actual = statements_of(database, "pg_dump");
    return {missing_from(expected, actual), missing_from(actual, expected)};
}

SnapshotFile take_adoption_snapshot(const std::string& url, const OldToolState& state,
                                    const AdoptOptions& options, const RevisionGraph& graph,
                                    const Project& project, const std::vector<SnapshotFile>& older,
                                    SystemTime now) {
    Adoption adoption = {state.tool,       state.schema,          state.table,
                         options.no_owner, options.no_privileges, state.position};
    SnapshotFile snapshot;
    snapshot.pre_head = graph.head(Branch::pre);
    snapshot.post_head = graph.head(Branch::post);
    snapshot.created = format_iso8601_utc(now);
    snapshot.replaces = replaced_by_new_snapshot(graph, project, older);
    snapshot.sql =
        render_adoption(adoption) +
        baseline_sql(run_pg_dump(pg_dump_program(), url,
                                 baseline_dump_arguments(adoption, options.ledger_schema)));
    snapshot.name =
        snapshot_file_name(format_compact_utc(now), snapshot.pre_head, snapshot.post_head);
    snapshot.path =
        (std::filesystem::path(k_migrations_folder) / k_snapshot_folder / snapshot.name).string();
    return snapshot;
}

void check_adoptable(pg::Connection& connection, const std::string& url,
                     const std::string& baseline_path, std::string_view baseline_sql_text,
                     const Adoption& recorded, const std::string& ledger_schema) {
    std::string tool(old_tool_name(recorded.tool));
    AdoptOptions options;
    options.from = recorded.tool;
    options.table = recorded.schema + "." + recorded.table;
    options.ledger_schema = ledger_schema;
    OldToolState state = read_old_tool(connection, options);

    PositionDifference position = compare_positions(recorded.position, state.position);
    if (!position.same() && recorded.tool == OldTool::alembic) {
        // Alembic records heads only: which way this database is off
        // takes its revision scripts to tell.
        std::string heads = listed(recorded.position);
        throw CheckFailed(
            "this database is not at the alembic position of the baseline " + baseline_path + ": " +
                state.qualified_name() + " holds " +
                (state.position.empty() ? "nothing" : listed(state.position)) +
                ", the baseline was taken at " + heads,
            "bring it to the baseline's position first: `alembic upgrade " + heads +
                "` when it is behind (`alembic downgrade " + heads +
                "` when it is ahead), then `ecluse adopt` again; nothing was changed");
    }
    if (!position.same()) {
        std::string upgrade(old_tool_upgrade_command(recorded.tool));
        if (position.extra.empty()) {
            throw CheckFailed("this database is behind the baseline " + baseline_path + ": " +
                                  tool + " has not applied " + listed(position.missing) + " here",
                              "run " + tool + "'s pending migrations first (`" + upgrade +
                                  "`), then `ecluse adopt` again; nothing was changed");
        }
        throw CheckFailed(
            "this database's " + tool + " position is not the baseline's (" + baseline_path +
                "): the baseline has " +
                (position.missing.empty() ? "nothing else" : listed(position.missing)) +
                "; this database has " + listed(position.extra) + " instead",
            "bring this database to the baseline's position with " + tool +
                " (it is ahead, or on another branch), then `ecluse adopt` again; nothing was "
                "changed");
    }

    std::string dump = baseline_sql(
        run_pg_dump(pg_dump_program(), url, baseline_dump_arguments(recorded, ledger_schema)));
    SchemaDifference schema = compare_schemas(baseline_sql_text, dump);
    if (!schema.same()) {
        std::vector<Diagnostic> details;
        for (const std::string& sql : schema.only_in_baseline) {
            details.push_back({SourceLocation{}, "only in the baseline: " + one_line(sql), ""});
        }
        for (const std::string& sql : schema.only_in_database) {
            details.push_back({SourceLocation{}, "only in this database: " + one_line(sql), ""});
        }
        throw CheckFailed(
            "this database's schema is not the baseline's (" + baseline_path + "): " +
                std::to_string(schema.only_in_baseline.size() + schema.only_in_database.size()) +
                " statements differ, though " + tool + "'s position is the same",
            "something changed the schema outside " + tool +
                ": make this database's schema the baseline's, then `ecluse "
                "adopt` again; nothing was changed",
            std::move(details));
    }
}

} // namespace ecluse
