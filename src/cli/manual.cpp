// The man pages: ecluse(1) and ecluse-NAME(1) for each command, in man(7)
// roff, from the tables --help prints.

#include "cli/command.hpp"
#include "cli/reference.hpp"
#include "config/settings.hpp"
#include "util/strings.hpp"

#include <cctype>

namespace ecluse::cli {

namespace {

// Text as roff prints it: a backslash is \e, a hyphen \- (an option's
// dash, never a hyphenation point), and a line never starts with a
// control character.
std::string roff(std::string_view text) {
    std::string out;
    for (char c : text) {
        if (c == '\\') {
            out += "\\e";
        } else if (c == '-') {
            out += "\\-";
        } else {
            out += c;
        }
    }
    if (!out.empty() && (out.front() == '.' || out.front() == '\'')) {
        out.insert(0, "\\&");
    }
    return out;
}

std::string bold(std::string_view text) {
    return "\\fB" + roff(text) + "\\fR";
}

std::string italic(std::string_view text) {
    return "\\fI" + roff(text) + "\\fR";
}

std::string upper(std::string text) {
    for (char& c : text) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    return text;
}

// A tagged paragraph per option: "-m, --message MSG", then its text.
void append_options(std::string& out, const po::options_description& options) {
    for (const auto& option : options.options()) {
        std::string tag = short_flag(*option).empty() ? "" : bold(short_flag(*option)) + ", ";
        tag += bold(long_flag(*option));
        if (std::string value = option_value_name(*option); !value.empty()) {
            tag += " " + italic(value);
        }
        out += ".TP\n" + tag + "\n" + roff(option->description()) + "\n";
    }
}

std::string header(const std::string& title, const std::string& version) {
    return ".TH " + roff(upper(title)) + " 1 \"\" \"ecluse " + roff(version) +
           "\" \"ecluse manual\"\n"
           // Neither hyphenated nor justified: flags and file names stay whole.
           ".nh\n.ad l\n";
}

std::string see_also(const CommandSpec* command) {
    std::string out = ".SH SEE ALSO\n";
    std::vector<std::string> pages;
    if (command != nullptr) {
        pages.push_back(bold("ecluse") + "(1)");
    } else {
        for (const CommandSpec& each : commands()) {
            pages.push_back(bold(std::string("ecluse-") + each.name) + "(1)");
        }
    }
    pages.push_back(bold("psql") + "(1)");
    out += join(pages, ",\n") + "\n";
    return out +
           ".PP\nThe guides (the commands, revision files, deploy, the lint rules, the git "
           "workflow, configuration) are installed with this manual, in " +
           italic("share/doc/ecluse") + " under ecluse's prefix (" +
           italic("/usr/share/doc/ecluse") + " from the Debian package).\n";
}

std::string exit_status() {
    std::string out = ".SH EXIT STATUS\n";
    for (const ExitCodeMeaning& each : exit_code_meanings()) {
        out += ".TP\n" + bold(each.code) + "\n" + roff(each.meaning) + "\n";
    }
    return out;
}

std::string command_page(const CommandSpec& command, const std::string& version) {
    CommandOptions options = command.options();
    std::string name = std::string("ecluse-") + command.name;
    std::string out = header(name, version);
    out += ".SH NAME\n" + roff(name) + " \\- " + roff(command.summary) + "\n";
    out += ".SH SYNOPSIS\n" + bold("ecluse") + " [" + italic("global options") + "] " +
           bold(command.name) + " [" + italic("options") + "]";
    for (const Positional& argument : options.positionals) {
        std::string word = italic(argument.value_name) + (argument.repeated ? "..." : "");
        out +=
            " " + (argument.presence == Positional::Presence::optional ? "[" + word + "]" : word);
    }
    out += "\n.SH DESCRIPTION\n" + roff(command.summary) + ".\n";
    if (!options.positionals.empty()) {
        out += ".SH ARGUMENTS\n";
        for (const Positional& argument : options.positionals) {
            out += ".TP\n" + italic(argument.value_name) + "\n" + roff(argument.description) + "\n";
        }
    }
    out += ".SH OPTIONS\n";
    append_options(out, options.options);
    out += ".SH GLOBAL OPTIONS\nThese come before or after the command.\n";
    append_options(out, global_options());
    return out + exit_status() + see_also(&command);
}

std::string main_page(const std::string& version) {
    std::string out = header("ecluse", version);
    out += ".SH NAME\necluse \\- phased PostgreSQL migrations: pre, deploy, post\n";
    out += ".SH SYNOPSIS\n" + bold("ecluse") + " [" + italic("global options") + "] " +
           italic("command") + " [" + italic("options") + "] [" + italic("arguments") + "]\n" +
           ".br\n" + bold("ecluse help") + " " + italic("command") + "\n.br\n" + bold("ecluse") +
           " " + bold("--help") + " | " + bold("--version") + "\n";
    out += ".SH DESCRIPTION\n"
           "ecluse migrates a PostgreSQL database in phases, so that a release never breaks the "
           "code that is running. Revisions live on two branches: " +
           italic("migrations/pre") +
           " holds what the running code tolerates (a new table, a nullable column, an index "
           "built concurrently, a backfill) and " +
           italic("migrations/post") +
           " what only the new code tolerates (a dropped column, NOT NULL, a validated "
           "constraint). " +
           bold("ecluse deploy") +
           " runs pre, then the hook that deploys the code, then post.\n"
           ".PP\n"
           "Each branch has its own head; " +
           italic("alembic_version_conflict_detection.txt") +
           " records both and is rewritten with every new revision, so that two pieces of "
           "parallel work collide in git rather than in production.\n";
    out += ".SH COMMANDS\n";
    for (const CommandSpec& command : commands()) {
        out += ".TP\n" + bold(command.name) + "\n" + roff(command.summary) + "; see " +
               bold(std::string("ecluse-") + command.name) + "(1).\n";
    }
    out += ".SH GLOBAL OPTIONS\n";
    append_options(out, global_options());
    out += ".SH ENVIRONMENT\n"
           "Settings come from the command line, then these variables, then the project's " +
           italic(std::string(k_settings_file_name)) +
           ", then the defaults. An empty variable counts as unset.\n";
    for (const SettingSource& source : setting_sources()) {
        out += ".TP\n" + bold(source.environment) + "\nthe " + roff(source.name) + " setting";
        if (std::string_view(source.name) == "database_url") {
            out += "; when unset, " + bold("DATABASE_URL") + ", then libpq's " + bold("PG*") +
                   " variables (" + bold("PGHOST") + ", " + bold("PGDATABASE") + ", " +
                   bold("PGSERVICE") + ", ...), as " + bold("psql") + "(1) reads them";
        }
        out += ".\n";
    }
    out += ".TP\n" + bold("ECLUSE_NO_CACHE") +
           "\n1 reads every revision file instead of the revision cache.\n";
    out += ".SH FILES\n"
           ".TP\n" +
           italic(std::string(k_settings_file_name)) +
           "\nthe project's settings, at its root.\n"
           ".TP\n" +
           italic("migrations/pre") + ", " + italic("migrations/post") +
           "\nthe revision files of each branch.\n"
           ".TP\n" +
           italic("alembic_version_conflict_detection.txt") + "\nboth branches' heads.\n";
    return out + exit_status() + see_also(nullptr);
}

} // namespace

std::string man_page_name(const CommandSpec* command) {
    return command == nullptr ? "ecluse.1" : std::string("ecluse-") + command->name + ".1";
}

std::string man_page(const CommandSpec* command, const std::string& version) {
    return command == nullptr ? main_page(version) : command_page(*command, version);
}

} // namespace ecluse::cli
