// data load|dump: data-only dumps in and out, ecluse's own tables aside.

#include "cli/command.hpp"
#include "cli/database.hpp"
#include "runtime/data_load.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

namespace {

void print_loaded(const Settings& settings, const std::string& file, const LoadOutcome& outcome,
                  bool truncate) {
    if (settings.format == OutputFormat::json) {
        print_json({{"file", file},
                    {"statements", outcome.statements},
                    {"truncated_tables", outcome.truncated},
                    {"skipped_tables", outcome.skipped}});
        return;
    }
    if (settings.verbosity < 0) {
        return;
    }
    if (!outcome.skipped.empty()) {
        std::cout << "skipped ecluse's own bookkeeping in " << file << ": "
                  << join(outcome.skipped, ", ") << '\n';
    }
    std::cout << "loaded " << file << ": " << outcome.statements << " statements";
    if (truncate) {
        std::cout << " after emptying " << outcome.truncated << " tables";
    }
    std::cout << '\n';
}

} // namespace

CommandOptions data_options() {
    CommandOptions options("data");
    options.add({"action", "load|dump", "what to do", Positional::Presence::checked_by_command})
        .add({"file", "FILE",
              "the dump to read or write; load runs only what a data-only dump holds "
              "(INSERT ... VALUES, COPY ... FROM stdin and its rows, pg_catalog.setval, "
              "pg_dump's SET lines) and refuses anything else before running any of it",
              Positional::Presence::checked_by_command});
    options.options.add_options()(
        "truncate", "load: first empty every application table (RESTART IDENTITY CASCADE), "
                    "ecluse's own and extensions' aside; refused for a file with no row");
    return options;
}

int run_data(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    const Settings& settings = invocation.settings;
    std::string action = values->count("action") != 0 ? (*values)["action"].as<std::string>() : "";
    if (action != "load" && action != "dump") {
        throw UsageError("unknown data action " + quote_value(action),
                         "use `data load FILE [--truncate]` or `data dump FILE`");
    }
    if (values->count("file") == 0) {
        throw UsageError("data " + action + " needs a FILE");
    }
    std::string file = (*values)["file"].as<std::string>();
    if (action == "dump") {
        DatabaseSession session = open_database(settings, false);
        dump_data(session.scratch ? session.scratch->url() : settings.database_url.value_or(""),
                  settings.schema, file);
        if (settings.format == OutputFormat::json) {
            print_json({{"file", file}});
        } else if (settings.verbosity >= 0) {
            std::cout << "wrote " << file << '\n';
        }
        return 0;
    }
    bool truncate = values->count("truncate") != 0;
    // Checked before connecting: a file that is not data changes nothing.
    DataDump dump = read_data_file(file, settings.schema, truncate);
    DatabaseSession session = open_database(settings, true);
    print_loaded(settings, file,
                 load_data(*session.connection, settings.schema, file, std::move(dump), truncate),
                 truncate);
    return 0;
}

} // namespace ecluse::cli
