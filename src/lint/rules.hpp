#pragma once

// The catalogue of lint rules: stable ids, what each costs in production and
// how to fix it (docs/lint-rules.md explains each with examples), and which
// rules a project runs.

#include "config/settings.hpp"

#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

enum class Severity { warning, error };

enum class RuleFamily {
    pre_compatibility, // breaks the code still running while pre migrations run
    rename,            // breaks whichever code version does not know the new name
    post_timing,       // additive change that arrives after the new code runs
    locking,           // long or strong locks, table rewrites
    robustness,        // a `transaction: none` revision that cannot be rerun
    conventions,       // naming; off unless the project switches it on
    suppression,       // a malformed or useless `-- ecluse:ignore`
    syntax,            // SQL PostgreSQL's parser refuses
};

struct Rule {
    std::string_view id; // stable: used in ignores, ecluse.toml and output
    RuleFamily family;
    Severity severity;
    bool on_by_default;
    std::string_view reason; // one line: why it hurts in production
    std::string_view fix;    // one line: the safe rewrite
};

const std::vector<Rule>& lint_rules();
const Rule* find_rule(std::string_view id);
const Rule& rule(std::string_view id); // a known id; throws std::logic_error otherwise

std::string_view family_name(RuleFamily family);
std::string_view severity_name(Severity severity);

// The rules a project runs: the defaults, then ecluse.toml's [lint]
// `enable` and `disable` lists (rule ids or family names such as
// "conventions"). Throws InputError at ecluse.toml:line for an unknown id.
class RuleSet {
public:
    RuleSet(); // the defaults
    explicit RuleSet(const LintSettings& settings);

    bool enabled(std::string_view id) const { return m_enabled.count(std::string(id)) != 0; }
    void set(std::string_view id_or_family, bool on);

private:
    std::set<std::string> m_enabled;
};

} // namespace ecluse
