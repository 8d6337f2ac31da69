// seed run|undo|status: test and demo data, tracked, never run by upgrade
// or deploy.

#include "cli/command.hpp"
#include "cli/database.hpp"
#include "runtime/seeds.hpp"
#include "util/strings.hpp"

#include <nlohmann/json.hpp>

#include <iostream>
#include <map>

namespace ecluse::cli {

namespace {

// A seed as the user names it: its file name, with or without `.sql`.
std::string seed_name(const std::string& argument) {
    return argument.ends_with(".sql") ? argument.substr(0, argument.size() - 4) : argument;
}

const SeedFile* file_of(const std::vector<SeedFile>& seeds, const std::string& name) {
    for (const SeedFile& seed : seeds) {
        if (seed.name == name) {
            return &seed;
        }
    }
    return nullptr;
}

const SeedFile& find_seed(const std::vector<SeedFile>& seeds, const std::string& name) {
    if (const SeedFile* seed = file_of(seeds, name)) {
        return *seed;
    }
    std::vector<std::string> names;
    for (const SeedFile& seed : seeds) {
        names.push_back(seed.name);
    }
    throw UsageError("there is no seed " + quote_value(name) + " in seeds/",
                     names.empty() ? "write seeds/" + name + ".sql first"
                                   : "the seeds are: " + join(names, ", "));
}

} // namespace

CommandOptions seed_options() {
    CommandOptions options("seed");
    options
        .add({"action", "run|undo|status", "what to do", Positional::Presence::checked_by_command})
        .add({"names", "NAME",
              "run: these seeds (default: all); undo: this seed; a seed's file name, with or "
              "without .sql",
              Positional::Presence::optional, true});
    return options;
}

int run_seed(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    const Settings& settings = invocation.settings;
    std::string action = values->count("action") != 0 ? (*values)["action"].as<std::string>() : "";
    if (action != "run" && action != "undo" && action != "status") {
        throw UsageError("unknown seed action " + quote_value(action),
                         "use `seed run [NAME...]`, `seed undo NAME` or `seed status`");
    }
    std::vector<std::string> names;
    if (values->count("names") != 0) {
        for (const std::string& name : (*values)["names"].as<std::vector<std::string>>()) {
            names.push_back(seed_name(name));
        }
    }
    if (action == "undo" && names.size() != 1) {
        throw UsageError("seed undo takes exactly one NAME", "for example `ecluse seed undo demo`");
    }
    std::vector<SeedFile> seeds = load_seed_files(settings.root);
    std::vector<const SeedFile*> chosen;
    if (action == "run") {
        for (const std::string& name : names) {
            chosen.push_back(&find_seed(seeds, name));
        }
    }
    if (action == "run" && names.empty()) {
        for (const SeedFile& seed : seeds) {
            chosen.push_back(&seed);
        }
    }
    DatabaseSession session = open_database(settings, true);
    std::map<std::string, AppliedSeed> applied;
    for (AppliedSeed& seed : applied_seeds(*session.connection, *session.ledger)) {
        applied[seed.name] = std::move(seed);
    }
    bool text = settings.format == OutputFormat::text && settings.verbosity >= 0;
    nlohmann::json report = nlohmann::json::array();
    if (action == "status") {
        for (const SeedFile& seed : seeds) {
            auto it = applied.find(seed.name);
            std::string state = it == applied.end()                    ? "pending"
                                : it->second.checksum == seed.checksum ? "applied"
                                                                       : "changed";
            report.push_back({{"name", seed.name}, {"state", state}, {"path", seed.path}});
            applied.erase(seed.name);
        }
        for (const auto& [name, seed] : applied) {
            report.push_back({{"name", name}, {"state", "missing"}, {"path", seed.path}});
        }
    } else if (action == "run") {
        for (const SeedFile* seed : chosen) {
            auto it = applied.find(seed->name);
            std::string state = "applied";
            if (it != applied.end()) {
                state = it->second.checksum == seed->checksum ? "already applied"
                                                              : "already applied (changed since: "
                                                                "`seed undo` then `seed run` "
                                                                "to apply the new version)";
            } else {
                ecluse::run_seed(*session.connection, *session.ledger, *seed);
            }
            report.push_back({{"name", seed->name}, {"state", state}});
        }
    } else {
        const std::string& name = names.front();
        auto it = applied.find(name);
        // A seed whose file is gone is undone from its stored downgrade.
        const SeedFile* file = file_of(seeds, name);
        if (it == applied.end()) {
            throw CheckFailed("seed " + name + " is not applied: nothing to undo",
                              "`ecluse seed status` shows what is applied");
        }
        undo_seed(*session.connection, *session.ledger, it->second, file);
        report.push_back({{"name", name}, {"state", "undone"}});
    }
    if (settings.format == OutputFormat::json) {
        print_json({{"seeds", report}});
    } else if (text) {
        for (const auto& entry : report) {
            std::cout << entry["name"].get<std::string>() << ": "
                      << entry["state"].get<std::string>() << '\n';
        }
    }
    return 0;
}

} // namespace ecluse::cli
