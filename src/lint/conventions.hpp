#pragma once

// Internal to src/lint: the naming conventions (off by default): snake_case
// lowercase names, plural table names, primary key <singular>_id, foreign-key
// columns fk_<singular>.

#include "lint/statement_checks.hpp"

#include <string>
#include <vector>

namespace ecluse::lint_detail {

// The singular forms a plural table name may come from ("categories" ->
// "category"; "addresses" -> "address" and "addresse"). Empty when the
// name does not look plural.
std::vector<std::string> singular_forms(const std::string& plural);

// A CreateStmt: the table's name, its columns, its keys.
void check_table_conventions(const nlohmann::json& create, std::vector<RawFinding>& findings);
// A ColumnDef added to `table`: its name and its REFERENCES.
void check_column_conventions(const std::string& table, const nlohmann::json& column,
                              std::vector<RawFinding>& findings);
// A table Constraint added to `table`: its name and a foreign key's column.
void check_constraint_conventions(const std::string& table, const nlohmann::json& constraint,
                                  std::vector<RawFinding>& findings);
void check_index_conventions(const std::string& name, std::vector<RawFinding>& findings);

} // namespace ecluse::lint_detail
