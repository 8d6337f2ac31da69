#pragma once

// The adoption block of a baseline that `ecluse adopt` wrote: the old
// migration tool it comes from, that tool's table, how the schema was dumped
// and the tool's position, as `-- adopted-KEY: value` comment lines at the
// top of the baseline's upgrade section (runtime/adopt reads and compares
// them).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

enum class OldTool { alembic, sequelize, typeorm, flyway };

std::string_view old_tool_name(OldTool tool);
std::optional<OldTool> parse_old_tool(std::string_view name);

// What a baseline records of its adoption, at the top of its upgrade
// section as `-- adopted-KEY: value` comment lines.
struct Adoption {
    OldTool tool = OldTool::alembic;
    std::string schema; // of the old tool's table
    std::string table;
    bool no_owner = false;
    bool no_privileges = false;
    std::vector<std::string> position;
};

// The comment block, ending in a blank line.
std::string render_adoption(const Adoption& adoption);
// The block at the top of an upgrade section; nullopt when there is none
// (an ordinary revision). Throws InputError at `path`:line for a block
// that is there but malformed.
std::optional<Adoption> parse_adoption(std::string_view upgrade, const std::string& path,
                                       int first_line);

} // namespace ecluse
