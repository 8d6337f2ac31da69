// env create|drop|list|prepare: a database and its own role per pull request.

#include "cli/command.hpp"
#include "cli/fresh.hpp"
#include "pg/conninfo.hpp"
#include "runtime/environment_create.hpp"
#include "util/strings.hpp"

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <iostream>
#include <memory>

namespace ecluse::cli {

namespace {

std::string admin_url(const po::variables_map& values, const Settings& settings) {
    if (values.count("admin-url") != 0) {
        return values["admin-url"].as<std::string>();
    }
    if (settings.database_url) {
        return *settings.database_url;
    }
    throw UsageError("env needs the server's admin connection", "pass --admin-url URL");
}

// Writes the secret with mode 0600 (the file is replaced when it exists).
void write_secret(const std::string& path, const std::string& secret) {
    ::unlink(path.c_str());
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        throw OperationFailed("cannot write the secret file " + path,
                              "check that its folder exists and is writable");
    }
    std::string text = secret + "\n";
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ok = ::close(fd) == 0 && ok;
    if (!ok) {
        throw OperationFailed("cannot write the secret file " + path);
    }
}

// What create and prepare read of the project: the project and its graph
// (valid), the snapshots, and both heads as the targets.
EnvironmentProject read_env_project(const Settings& settings) {
    auto [project, graph] = load_project(settings);
    graph.require_valid();
    std::vector<BranchTarget> heads = {{Branch::pre, graph.head(Branch::pre)},
                                       {Branch::post, graph.head(Branch::post)}};
    return {std::move(project), std::move(graph), load_snapshot_files(settings.root),
            std::move(heads)};
}

int env_create(const Settings& settings, const po::variables_map& values, const std::string& name) {
    CreateEnvironmentOptions options;
    options.admin_url = admin_url(values, settings);
    options.name = name;
    options.ledger_schema = settings.schema;
    options.lock_wait = settings.lock_wait.value();
    options.migrator = migrator_options(settings);
    options.recreate = values.count("recreate") != 0;
    options.use_template = values.count("no-template") == 0;
    if (values.count("data") != 0) {
        options.data_file = values["data"].as<std::string>();
    }
    CreatedEnvironment created =
        create_pull_request_environment(options, [&] { return read_env_project(settings); });
    nlohmann::json out = {{"name", name},
                          {"database", name},
                          {"role", name},
                          {"snapshot", json_or_null(created.snapshot)},
                          {"template", created.copied ? nlohmann::json(created.copied->name)
                                                      : nlohmann::json(nullptr)},
                          {"template_built", created.copied && created.copied->built},
                          {"spare", created.copied && created.copied->spare},
                          {"revisions_applied", created.revisions},
                          {"data_statements", created.loaded.statements}};
    if (values.count("secret-file") != 0) {
        std::string path = values["secret-file"].as<std::string>();
        write_secret(path, created.url);
        out["url"] = pg::redact_connection_string(created.url);
        out["secret_file"] = path;
    } else {
        out["url"] = created.url;
    }
    print_json(out);
    return 0;
}

// env prepare [--count N]: spares of the current snapshot's template, so
// that the next creates rename one instead of copying the template.
int env_prepare(const Settings& settings, const po::variables_map& values) {
    std::string admin = admin_url(values, settings);
    long long count = values["count"].as<long long>();
    if (count < 0 || count > 1000) {
        throw UsageError("--count wants a number from 0 to 1000, got " + std::to_string(count),
                         "for example `ecluse env prepare --count 4`");
    }
    EnvironmentProject project = read_env_project(settings);
    const SnapshotFile* usable =
        usable_snapshot(project.graph, project.project, project.snapshots, project.heads);
    if (usable == nullptr) {
        throw CheckFailed("there is no usable snapshot, so there is no template to prepare "
                          "spares of: `env create` replays the history",
                          "take one with `ecluse snapshot`");
    }
    pg::Connection server(admin);
    SpareOutcome outcome = prepare_spares(server, admin, static_cast<std::size_t>(count), *usable,
                                          settings.schema, settings.lock_wait.value());
    if (settings.format == OutputFormat::json) {
        print_json({{"template", outcome.from.name},
                    {"template_built", outcome.from.built},
                    {"snapshot", usable->name},
                    {"made", outcome.made},
                    {"ready", outcome.ready}});
    } else if (settings.verbosity >= 0) {
        std::cout << "made " << outcome.made.size() << " spare"
                  << (outcome.made.size() == 1 ? "" : "s") << " of " << outcome.from.name
                  << (outcome.from.built ? " (built it from " : " (from ") << usable->name << "); "
                  << outcome.ready << " ready\n";
    }
    return 0;
}

// env list-templates | drop-templates: the template databases made from
// snapshots for `env create`.
int env_templates(const Settings& settings, const po::variables_map& values, bool drop) {
    pg::Connection server(admin_url(values, settings));
    std::vector<std::string> names =
        drop ? drop_templates(server, settings.lock_wait.value()) : list_templates(server);
    if (settings.format == OutputFormat::json) {
        print_json({{drop ? "dropped" : "templates", names}});
    } else if (!drop) {
        for (const auto& name : names) {
            std::cout << name << '\n';
        }
    } else if (settings.verbosity >= 0) {
        std::cout << "dropped " << names.size() << " database" << (names.size() == 1 ? "" : "s")
                  << " (templates and their spares)"
                  << (names.empty() ? "" : ": " + join(names, ", ")) << " (and the role "
                  << k_template_owner << ")\n";
    }
    return 0;
}

} // namespace

CommandOptions env_options() {
    CommandOptions options("env");
    options
        .add({"action", "create|drop|list|prepare|list-templates|drop-templates", "what to do",
              Positional::Presence::checked_by_command})
        .add({"name", "NAME", "create, drop: the environment: its database's and its role's name"});
    options.options.add_options()(
        "admin-url", po::value<std::string>()->value_name("URL"),
        "a connection allowed to create roles and databases (default: -d)")(
        "data", po::value<std::string>()->value_name("FILE"),
        "create: load this data-only dump (COPY blocks or INSERTs) after the structure")(
        "secret-file", po::value<std::string>()->value_name("PATH"),
        "create: write the connection URL (with its password) to this file, mode 0600, and "
        "print it without the password")("recreate",
                                         "create: drop an existing environment of that name first")(
        "no-template", "create: apply the snapshot to the new database itself instead of copying "
                       "the template database made from it (slower; for debugging)")(
        "count", po::value<long long>()->default_value(1)->value_name("N"),
        "prepare: make spare copies of the template until N are ready; each later create "
        "takes one instead of copying");
    return options;
}

int run_env(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    const Settings& settings = invocation.settings;
    std::string action = values->count("action") != 0 ? (*values)["action"].as<std::string>() : "";
    if (action == "list") {
        pg::Connection server(admin_url(*values, settings));
        auto names = list_environments(server);
        if (settings.format == OutputFormat::json) {
            print_json({{"environments", names}});
        } else {
            for (const auto& name : names) {
                std::cout << name << '\n';
            }
        }
        return 0;
    }
    if (action == "list-templates" || action == "drop-templates") {
        return env_templates(settings, *values, action == "drop-templates");
    }
    if (action == "prepare") {
        return env_prepare(settings, *values);
    }
    if (action != "create" && action != "drop") {
        throw UsageError("unknown env action " + quote_value(action),
                         "use `env create NAME`, `env drop NAME`, `env list`, `env prepare`, "
                         "`env list-templates` or `env drop-templates`");
    }
    if (values->count("name") == 0) {
        throw UsageError("env " + action + " needs a NAME",
                         "for example `ecluse env " + action + " pr_1234 --admin-url URL`");
    }
    std::string name = (*values)["name"].as<std::string>();
    check_environment_name(name);
    if (action == "create") {
        return env_create(settings, *values, name);
    }
    pg::Connection server(admin_url(*values, settings));
    EnvironmentState state = environment_state(server, name);
    if (!state.database && !state.role) {
        throw CheckFailed("there is no environment " + name, "`ecluse env list` names them");
    }
    drop_environment(server, name);
    if (settings.format == OutputFormat::json) {
        print_json({{"dropped", name}});
    } else if (settings.verbosity >= 0) {
        std::cout << "dropped environment " << name << " (database and role)\n";
    }
    return 0;
}

} // namespace ecluse::cli
