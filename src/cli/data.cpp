// data load|dump: data-only dumps in and out, ecluse's own tables aside.

#include "cli/command.hpp"
#include "cli/fresh.hpp"
#include "runtime/environment.hpp"
#include "runtime/snapshot.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>

#include <iostream>

namespace ecluse::cli {

int run_data(const Invocation& invocation) {
    po::options_description options("data options");
    options.add_options()("action", po::value<std::string>()->value_name("load|dump"),
                          "what to do")("file", po::value<std::string>()->value_name("FILE"),
                                        "the dump to read or write")(
        "truncate", "load: first empty every application table (RESTART IDENTITY CASCADE), "
                    "ecluse's own and extensions' aside");
    po::positional_options_description positional;
    positional.add("action", 1).add("file", 1);
    auto values = parse_options(invocation, options, positional);
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
        std::string url = settings.database_url.value_or("");
        if (session.scratch) {
            url = session.scratch->url();
        }
        std::vector<std::string> arguments = without_ledger(settings.schema);
        arguments.push_back("--data-only");
        write_file_atomically(file, run_pg_dump(pg_dump_program(), url, arguments));
        if (settings.verbosity >= 0 && settings.format == OutputFormat::text) {
            std::cout << "wrote " << file << '\n';
        }
        return 0;
    }
    DatabaseSession session = open_database(settings, true);
    LoadOutcome outcome =
        load_data(*session.connection, settings.schema, file, values->count("truncate") != 0);
    if (settings.format == OutputFormat::json) {
        print_json({{"file", file},
                    {"statements", outcome.statements},
                    {"truncated_tables", outcome.truncated}});
    } else if (settings.verbosity >= 0) {
        std::cout << "loaded " << file << ": " << outcome.statements << " statements";
        if (values->count("truncate") != 0) {
            std::cout << " after emptying " << outcome.truncated << " tables";
        }
        std::cout << '\n';
    }
    return 0;
}

} // namespace ecluse::cli
