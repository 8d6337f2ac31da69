#include "script/adoption.hpp"

#include "util/error.hpp"
#include "util/strings.hpp"

#include <array>
#include <utility>

namespace ecluse {

namespace {

constexpr std::array<std::pair<OldTool, std::string_view>, 4> k_names = {{
    {OldTool::alembic, "alembic"},
    {OldTool::sequelize, "sequelize"},
    {OldTool::typeorm, "typeorm"},
    {OldTool::flyway, "flyway"},
}};

constexpr std::string_view k_key_prefix = "-- adopted-";

} // namespace

std::string_view old_tool_name(OldTool tool) {
    for (const auto& [each, name] : k_names) {
        if (each == tool) {
            return name;
        }
    }
    return "";
}

std::optional<OldTool> parse_old_tool(std::string_view name) {
    for (const auto& [tool, each] : k_names) {
        if (each == name) {
            return tool;
        }
    }
    return std::nullopt;
}

std::string render_adoption(const Adoption& adoption) {
    std::string tool(old_tool_name(adoption.tool));
    std::string out = "-- Adopted from " + tool +
                      " by `ecluse adopt`: the schema of the reference database\n"
                      "-- (pg_dump --schema-only), and " +
                      tool +
                      "'s position there. `ecluse adopt` compares both with\n"
                      "-- every other database before it stamps this baseline there.\n";
    auto line = [&out](std::string_view key, std::string_view value) {
        out += k_key_prefix;
        out += key;
        out += value.empty() ? ":" : ": ";
        append_escaped(out, value);
        out += '\n';
    };
    line("from", tool);
    line("schema", adoption.schema);
    line("table", adoption.table);
    std::vector<std::string> dump;
    if (adoption.no_owner) {
        dump.emplace_back("--no-owner");
    }
    if (adoption.no_privileges) {
        dump.emplace_back("--no-privileges");
    }
    line("dump", join(dump, " "));
    for (const std::string& entry : adoption.position) {
        line("position", entry);
    }
    out += '\n';
    return out;
}

std::optional<Adoption> parse_adoption(std::string_view upgrade, const std::string& path,
                                       int first_line) {
    Adoption adoption;
    bool any = false;
    bool from = false;
    int line_number = first_line - 1;
    for (std::string_view line : split_lines(upgrade)) {
        ++line_number;
        std::string_view text = trim(line);
        if (text.empty() && !any) {
            continue;
        }
        if (text.substr(0, 2) != "--") {
            break;
        }
        if (text.substr(0, k_key_prefix.size()) != k_key_prefix) {
            continue;
        }
        any = true;
        SourceLocation where{path, line_number, 1};
        std::string_view rest = text.substr(k_key_prefix.size());
        std::size_t colon = rest.find(':');
        std::string_view key = rest.substr(0, colon);
        std::optional<std::string> value =
            colon == std::string_view::npos ? std::nullopt : unescape(trim(rest.substr(colon + 1)));
        if (!value) {
            throw InputError(where, "malformed adoption line: `" + std::string(text) + "`",
                             "`ecluse adopt` writes `-- adopted-KEY: value`; restore the line "
                             "as it wrote it");
        }
        if (key == "from") {
            auto tool = parse_old_tool(*value);
            if (!tool) {
                throw InputError(where, "unknown old tool `" + *value + "`",
                                 "one of alembic, sequelize, typeorm, flyway");
            }
            adoption.tool = *tool;
            from = true;
        } else if (key == "schema") {
            adoption.schema = *value;
        } else if (key == "table") {
            adoption.table = *value;
        } else if (key == "dump") {
            for (const std::string& flag : split(*value, ' ')) {
                if (flag == "--no-owner") {
                    adoption.no_owner = true;
                } else if (flag == "--no-privileges") {
                    adoption.no_privileges = true;
                } else if (!flag.empty()) {
                    throw InputError(where, "unknown pg_dump option `" + flag + "`",
                                     "adopted-dump takes --no-owner and --no-privileges");
                }
            }
        } else if (key == "position") {
            adoption.position.push_back(*value);
        } else {
            throw InputError(where, "unknown adoption key `adopted-" + std::string(key) + "`",
                             "the keys are adopted-from, -schema, -table, -dump and -position");
        }
    }
    if (!any) {
        return std::nullopt;
    }
    if (!from || adoption.schema.empty() || adoption.table.empty()) {
        throw InputError(SourceLocation{path, first_line, 1},
                         "the adoption block lacks adopted-from, -schema or -table",
                         "restore the lines `ecluse adopt` wrote");
    }
    return adoption;
}

} // namespace ecluse
