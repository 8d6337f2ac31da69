// ecluse: phased PostgreSQL migrations. Parses the global options, hands
// the rest to one command, and prints any error once, here.

#include "cli/command.hpp"
#include "ecluse_version.hpp"
#include "pg/conninfo.hpp"
#include "runtime/migrator.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <streambuf>

namespace po = boost::program_options;
using namespace ecluse;

namespace {

// How an error is reported: in the format asked for (known once the
// global options, then the settings, are read), without the password of
// the database URL, whatever the message quotes of it.
struct Reporting {
    OutputFormat format = OutputFormat::text;
    std::string database_url;

    std::string redact(const std::string& text) const {
        return database_url.empty() ? text : pg::without_password(text, database_url);
    }
};

// The error, then what it happened in: each error nested in an
// ErrorContext, on lines of its own.
void print_error(const std::exception& error, const Reporting& reporting) {
    bool first = true;
    for_each_nested(error, [&](const std::exception& each) {
        std::cerr << (first ? "ecluse: error: " : "  because: ") << reporting.redact(each.what())
                  << '\n';
        first = false;
        if (const auto* typed = dynamic_cast<const Error*>(&each)) {
            for (const auto& detail : typed->details()) {
                std::cerr << "  " << reporting.redact(detail.to_string()) << '\n';
            }
            if (!typed->hint().empty()) {
                std::cerr << "  hint: " << reporting.redact(typed->hint()) << '\n';
            }
        }
    });
}

// The error as the JSON object of docs/json.md: every key present, null
// when not known.
nlohmann::json error_json(const std::exception& error, int code, const Reporting& reporting) {
    auto text = [&](const std::string& value) {
        return cli::text_or_null(reporting.redact(value));
    };
    nlohmann::json because = nlohmann::json::array();
    nlohmann::json details = nlohmann::json::array();
    std::string hints;
    std::string message;
    std::string sqlstate;
    std::string revision;
    SourceLocation location;
    bool outermost = true;
    for_each_nested(error, [&](const std::exception& each) {
        if (outermost) {
            message = reporting.redact(each.what());
            outermost = false;
        } else {
            because.push_back(reporting.redact(each.what()));
        }
        const auto* typed = dynamic_cast<const Error*>(&each);
        if (typed == nullptr) {
            return;
        }
        for (const Diagnostic& detail : typed->details()) {
            details.push_back({{"file", text(detail.location.file)},
                               {"line", cli::positive_or_null(detail.location.line)},
                               {"column", cli::positive_or_null(detail.location.column)},
                               {"message", reporting.redact(detail.message)},
                               {"hint", text(detail.hint)}});
        }
        if (!typed->hint().empty()) {
            hints += (hints.empty() ? "" : "\n") + typed->hint();
        }
        if (const auto* failed = dynamic_cast<const MigrationFailed*>(&each)) {
            sqlstate = failed->sqlstate();
            revision = failed->revision();
            location = failed->location();
        } else if (const auto* input = dynamic_cast<const InputError*>(&each)) {
            location = input->location();
        }
    });
    return {{"error",
             {{"code", code},
              {"message", message},
              {"hint", text(hints)},
              {"because", because},
              {"details", details},
              {"sqlstate", text(sqlstate)},
              {"revision", text(revision)},
              {"file", text(location.file)},
              {"line", cli::positive_or_null(location.line)},
              {"column", cli::positive_or_null(location.column)}}}};
}

// Prints the error on stderr, and with --format json its JSON object on
// stdout as well; returns the exit code.
int report(const std::exception& error, int code, const Reporting& reporting) {
    print_error(error, reporting);
    if (reporting.format == OutputFormat::json) {
        std::cout << cli::json_text(error_json(error, code, reporting)) << '\n';
    }
    return code;
}

int run(int argc, char** argv, Reporting& reporting) {
    po::options_description options = cli::global_options();
    po::variables_map values;
    std::vector<std::string> rest;
    try {
        auto parsed = po::command_line_parser(argc, argv)
                          .options(options)
                          .style(cli::k_command_line_style)
                          .allow_unregistered()
                          .run();
        po::store(parsed, values);
        rest = po::collect_unrecognized(parsed.options, po::include_positional);
    } catch (const po::error& error) {
        throw UsageError(error.what(), "see `ecluse --help`");
    }
    // Before the settings are read, so that an error in reading them is
    // reported in the format asked for too.
    std::optional<std::string> format = values.count("format") != 0
                                            ? values["format"].as<std::string>()
                                            : process_environment("ECLUSE_FORMAT");
    if (format) {
        try {
            reporting.format = parse_output_format(*format);
        } catch (const Error&) {
            // load_settings says what is wrong with it.
        }
    }
    if (values.count("version") != 0) {
        std::cout << "ecluse " << ECLUSE_VERSION << '\n';
        return 0;
    }
    if (rest.size() >= 2 && rest.front() == "help") {
        // `ecluse help CMD` is `ecluse CMD --help`, whatever follows CMD.
        rest = {rest[1], "--help"};
    }
    if (rest.empty() || rest.front() == "--help" || rest.front() == "-h" ||
        rest.front() == "help") {
        std::cout << cli::main_help();
        return rest.empty() ? k_exit_usage : 0;
    }
    std::string name = rest.front();
    if (name.size() > 1 && name[0] == '-') {
        // An option before the command that is none of the global ones.
        throw UsageError("unrecognised option '" + name + "'", "see `ecluse --help`");
    }
    const cli::CommandSpec* command = cli::find_command(name);
    if (command == nullptr) {
        throw UsageError("unknown command " + name, "`ecluse --help` lists the commands");
    }

    SettingValues flags;
    for (const char* key : {"database-url", "format", "lock-timeout", "statement-timeout",
                            "lock-wait", "progress-interval"}) {
        if (values.count(key) != 0) {
            std::string setting = key;
            std::replace(setting.begin(), setting.end(), '-', '_');
            flags[setting] = values[key].as<std::string>();
        }
    }
    int verbosity = values.count("quiet") != 0 ? -1 : static_cast<int>(values.count("verbose"));
    log::set_verbosity(verbosity);
    std::filesystem::path root =
        values.count("directory") != 0 ? values["directory"].as<std::string>() : ".";
    cli::Invocation invocation{
        name, {rest.begin() + 1, rest.end()}, load_settings(root, verbosity, flags)};
    reporting.format = invocation.settings.format;
    reporting.database_url = invocation.settings.database_url.value_or("");
    if (invocation.settings.format == OutputFormat::mermaid && name != "history") {
        throw UsageError("ecluse " + name + ": the output format mermaid is only for `history`",
                         "`ecluse history --graph --format mermaid` draws the revision graph; " +
                             name + " prints text, json or github");
    }
    if (invocation.settings.format == OutputFormat::markdown && !cli::prints_markdown(name)) {
        throw UsageError("--format markdown is for " + std::string(cli::k_markdown_commands) +
                             ", not " + name,
                         "use --format text or json for " + name);
    }
    return command->run(invocation);
}

// std::cout's buffer: stdio's stdout, as by default (printf and std::cout
// stay in order), remembering why the first write failed; errno says it
// only at that moment.
class CheckedStdout : public std::streambuf {
public:
    int first_error() const { return m_error; }
    void failed() {
        if (m_error == 0) {
            m_error = errno != 0 ? errno : EIO;
        }
    }

protected:
    int overflow(int c) override {
        if (c != traits_type::eof() && std::fputc(c, stdout) == EOF) {
            failed();
            return traits_type::eof();
        }
        return traits_type::not_eof(c);
    }
    std::streamsize xsputn(const char* text, std::streamsize size) override {
        std::size_t written = std::fwrite(text, 1, static_cast<std::size_t>(size), stdout);
        if (written < static_cast<std::size_t>(size)) {
            failed();
        }
        return static_cast<std::streamsize>(written);
    }
    int sync() override {
        if (std::fflush(stdout) != 0) {
            failed();
            return -1;
        }
        return 0;
    }

private:
    int m_error = 0;
};

CheckedStdout g_stdout;

// Whether everything written to stdout reached it: the one place a full
// disk or a closed pipe is noticed, for every command. A failed write is
// an error (exit 1 unless the command failed already): a truncated script
// or list must never look like a success.
bool stdout_written() {
    std::cout.flush();
    bool failed = std::cout.fail() || std::ferror(stdout) != 0;
    // fclose rather than fflush: closing is when some file systems report
    // what the writes could not store.
    errno = 0;
    if (std::fclose(stdout) != 0) {
        g_stdout.failed();
        failed = true;
    }
    if (!failed) {
        return true;
    }
    int error = g_stdout.first_error();
    std::cerr << "ecluse: error: cannot write to standard output: "
              << (error == 0 ? std::string("a write failed") : std::string(std::strerror(error)))
              << "\n  hint: the output is incomplete; check the disk or what reads the output\n";
    return false;
}

int run_and_report(int argc, char** argv) {
    Reporting reporting;
    try {
        return run(argc, argv, reporting);
    } catch (const Error& error) {
        return report(error, exit_code_of(error), reporting);
    } catch (const std::exception& error) {
        std::string hint = "this is a bug in ecluse; please report it with the command you ran";
        std::cerr << "ecluse: internal error: " << reporting.redact(error.what()) << '\n'
                  << "  hint: " << hint << '\n';
        if (reporting.format == OutputFormat::json) {
            OperationFailed internal("internal error: " + std::string(error.what()), hint);
            std::cout << cli::json_text(error_json(internal, k_exit_failed, reporting)) << '\n';
        }
        return k_exit_failed;
    }
}

} // namespace

int main(int argc, char** argv) {
    std::cout.rdbuf(&g_stdout);
    int code = run_and_report(argc, argv);
    if (!stdout_written() && code == k_exit_ok) {
        code = k_exit_failed;
    }
    return code;
}
