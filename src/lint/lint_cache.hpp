#pragma once

// Internal to src/lint: what linting one revision gives, and its form in the
// revision cache (Project::lint_facts), so that `check` and `lint`
// re-lint only revisions whose content changed.
//
// A revision's findings depend on its own content, path and branch, the
// rule set, ecluse's version, and one thing from other revisions: which
// CHECK (col IS NOT NULL) constraints the whole project adds (a VALIDATE of
// one proves its column not null). So each revision's record also holds the
// constraints it adds (to rebuild that project-wide map without parsing)
// and each name it looked up in the map with what it found there; the
// cached findings are used only when every lookup finds the same today.

#include "lint/lint.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse::lint_detail {

struct NotNullCheck {
    std::string name;   // the constraint
    std::string table;  // without schema, as collect_not_null_checks records it
    std::string column; // dotted
    bool operator==(const NotNullCheck&) const = default;
};

// A name VALIDATE looked up among the project's NOT NULL checks.
struct CheckLookup {
    std::string name;
    std::optional<NotNullCheck> found;
    bool operator==(const CheckLookup&) const = default;
};

struct RevisionLint {
    std::vector<Finding> findings; // the rule set's filter applied
    std::size_t statements = 0;
    bool bad_input = false;
    std::vector<NotNullCheck> checks; // in statement order; a later one wins
    std::vector<CheckLookup> lookups;
};

// Identifies the rules' behaviour: ecluse's version, this record's format
// and the enabled rules. A record made under another key is not used.
std::string lint_cache_key(const RuleSet& rules);

// The record as one text (the revision cache escapes it). Findings in the
// revision's own file do not repeat its path.
std::string encode_revision_lint(const RevisionLint& lint, std::string_view key,
                                 const std::string& path);
// nullopt for another key or anything malformed.
std::optional<RevisionLint> decode_revision_lint(std::string_view text, std::string_view key,
                                                 const std::string& path);

} // namespace ecluse::lint_detail
