#pragma once

// Internal to src/lint: the rules applied to one parsed statement, with
// what the revision did before it. The tree is libpg_query's JSON.

#include "script/revision_file.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace ecluse::lint_detail {

// CHECK (col IS NOT NULL) constraints the project adds, by constraint name:
// (table, column).
using NotNullChecks = std::map<std::string, std::pair<std::string, std::string>>;

// What one revision has done so far, statement by statement.
struct RevisionContext {
    Branch branch = Branch::pre;
    bool transactional = true;
    const NotNullChecks* known_checks = nullptr;
    std::set<std::string> created_tables;  // tables, views: by name without schema
    std::set<std::string> created_indexes; // by name without schema
    std::set<std::string> not_valid_added; // constraint names added NOT VALID here
    std::set<std::string> not_null_proven; // "table.column" with a validated IS NOT NULL check
    std::vector<std::string> looked_up;    // names VALIDATE looked up in known_checks
};

// A rule that a statement breaks, and what it breaks it on ("DROP COLUMN
// bookings.price").
struct RawFinding {
    std::string rule;
    std::string subject;
};

// Applies every rule to `statement` (the value of one "stmt" of the tree)
// and records what it creates in `context`.
void check_statement(const nlohmann::json& statement, RevisionContext& context,
                     std::vector<RawFinding>& findings);

// Adds the CHECK (col IS NOT NULL) constraints `statement` defines.
void collect_not_null_checks(const nlohmann::json& statement, NotNullChecks& checks);

} // namespace ecluse::lint_detail
