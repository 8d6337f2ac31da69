#include "lint/rules.hpp"

#include "util/error.hpp"
#include "util/strings.hpp"

#include <stdexcept>

namespace ecluse {

namespace {

constexpr Severity E = Severity::error;
constexpr Severity W = Severity::warning;
constexpr RuleFamily PRE = RuleFamily::pre_compatibility;
constexpr RuleFamily REN = RuleFamily::rename;
constexpr RuleFamily POST = RuleFamily::post_timing;
constexpr RuleFamily LOCK = RuleFamily::locking;

} // namespace

const std::vector<Rule>& lint_rules() {
    static const std::vector<Rule> rules = {
        // pre compatibility: code N still runs while pre migrations run.
        {"pre-drop-table", PRE, E, true, "code N still reads and writes this table",
         "stop using the table in code N+1, then drop it in a post revision"},
        {"pre-drop-column", PRE, E, true,
         "code N still reads and writes this column (SELECT * and INSERTs break)",
         "stop using the column in code N+1, then drop it in a post revision"},
        {"pre-drop-view", PRE, E, true, "code N still queries this view",
         "stop using the view in code N+1, then drop it in a post revision"},
        {"pre-drop-function", PRE, E, true, "code N (or a trigger) still calls this function",
         "stop calling it in code N+1, then drop it in a post revision"},
        {"pre-drop-type", PRE, E, true, "columns and code N still use this type",
         "stop using the type in code N+1, then drop it in a post revision"},
        {"pre-drop-sequence", PRE, E, true, "code N or a column default still uses this sequence",
         "stop using the sequence in code N+1, then drop it in a post revision"},
        {"pre-drop-schema", PRE, E, true, "code N still uses the objects in this schema",
         "stop using the schema in code N+1, then drop it in a post revision"},
        {"pre-alter-column-type", PRE, E, true,
         "code N reads and writes the column with its old type",
         "add a new column in pre, write both from code N+1, backfill, switch reads, drop the old "
         "column in post"},
        {"pre-set-not-null", PRE, E, true, "code N may still insert NULL into this column",
         "move SET NOT NULL to a post revision, once only code that always writes the column runs"},
        {"pre-add-not-null-column", PRE, E, true,
         "code N's INSERTs do not name the new column and fail on its NOT NULL",
         "add the column nullable (or with a DEFAULT) in pre; SET NOT NULL in post"},
        {"pre-add-constraint", PRE, E, true,
         "code N does not know the rule and its writes start failing",
         "add the constraint in post, or as NOT VALID in pre and VALIDATE it in post"},
        {"pre-validate-constraint", PRE, E, true,
         "code N may still write rows that break the constraint: validation or later writes fail",
         "move VALIDATE CONSTRAINT to a post revision"},
        {"pre-drop-default", PRE, E, true, "code N's INSERTs rely on the default",
         "drop the default in a post revision, once code N+1 always writes the column"},
        {"pre-truncate", PRE, E, true, "code N still uses the rows it removes",
         "empty the table in post (or delete in batches) once code N+1 no longer needs the rows"},
        // renames: whichever version does not know the new name breaks.
        {"rename-table", REN, E, true, "the code version that uses the other name breaks",
         "expand/contract: create the new table in pre, write both from code N+1, backfill, drop "
         "the old one in post"},
        {"rename-column", REN, E, true, "the code version that uses the other name breaks",
         "expand/contract: add the new column in pre, write both from code N+1, backfill, drop the "
         "old one in post"},
        {"rename-enum-value", REN, E, true, "code that writes or compares the other label breaks",
         "add the new value in pre (ADD VALUE), migrate rows and code, stop using the old label"},
        {"rename-object", REN, E, true, "the code version that uses the other name breaks",
         "expand/contract: create the object under its new name in pre, switch code N+1 to it, "
         "drop the old one in post"},
        // post timing: code N+1 already runs when post migrations run.
        {"post-create-table", POST, W, true,
         "code N+1 already runs before post creates the table it may need",
         "create the table in a pre revision"},
        {"post-add-column", POST, W, true,
         "code N+1 already runs before post adds the column it may need",
         "add the column in a pre revision"},
        {"post-create-index", POST, W, true, "code N+1's queries run without the index until post",
         "create the index (CONCURRENTLY) in a pre revision"},
        {"post-create-view", POST, W, true,
         "code N+1 already runs before post creates the view it may need",
         "create the view in a pre revision"},
        {"post-create-function", POST, W, true,
         "code N+1 already runs before post creates the function it may call",
         "create the function in a pre revision"},
        // locking: what takes production down while it runs.
        {"locking-index-not-concurrent", LOCK, E, true,
         "blocks every write to the table for as long as the index takes",
         "use CREATE/DROP INDEX CONCURRENTLY IF [NOT] EXISTS in a `transaction: none` revision"},
        {"locking-reindex-not-concurrent", LOCK, E, true,
         "blocks writes (and reads that use the index) while it rebuilds",
         "use REINDEX ... CONCURRENTLY in a `transaction: none` revision"},
        {"locking-constraint-not-valid", LOCK, E, true,
         "validating scans the whole table under a lock that blocks writes",
         "add it with NOT VALID (brief lock), then VALIDATE CONSTRAINT in a later revision"},
        {"locking-validate-same-transaction", LOCK, E, true,
         "the NOT VALID add's strong lock is held during the whole validation scan",
         "VALIDATE CONSTRAINT in a later revision than the NOT VALID add"},
        {"locking-unique-without-index", LOCK, E, true,
         "builds the unique index while blocking every read and write",
         "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX"},
        {"locking-alter-column-type", LOCK, E, true,
         "most type changes rewrite the table and its indexes under an exclusive lock",
         "add a new column of the new type, backfill in batches, switch, drop the old one"},
        {"locking-volatile-default", LOCK, E, true,
         "a volatile default (or serial, identity, stored generated) rewrites the whole table "
         "under an exclusive lock",
         "add the column without that default, set the default, backfill in batches"},
        {"locking-set-not-null", LOCK, E, true,
         "scans the whole table under an exclusive lock to check for NULLs",
         "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL"},
        {"locking-vacuum-full", LOCK, E, true,
         "rewrites the table under an exclusive lock that blocks reads and writes",
         "use plain VACUUM, or pg_repack outside migrations"},
        {"locking-cluster", LOCK, E, true,
         "rewrites the table under an exclusive lock that blocks reads and writes",
         "use pg_repack outside migrations"},
        {"locking-lock-table", LOCK, E, true,
         "an explicit lock queues every other query on the table behind it",
         "let each statement take the lock it needs; keep the revision short"},
        {"locking-refresh-not-concurrent", LOCK, E, true,
         "blocks every read of the materialized view while it refreshes",
         "REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index on the view)"},
        {"locking-concurrently-in-transaction", LOCK, E, true,
         "PostgreSQL refuses CONCURRENTLY inside a transaction block: the revision fails",
         "put the statement in its own revision with `transaction: none`"},
        {"locking-transaction-control", LOCK, E, true,
         "ecluse already runs the revision in one transaction; this breaks its bookkeeping",
         "remove it; use `transaction: none` for statements that must run outside a transaction"},
        // robustness of `transaction: none` revisions.
        {"robustness-if-not-exists", RuleFamily::robustness, W, true,
         "a rerun after a partial failure fails on what the first run already did",
         "add IF NOT EXISTS / IF EXISTS (or OR REPLACE) so the statement can run twice"},
        // conventions, off by default.
        {"convention-snake-case", RuleFamily::conventions, W, false,
         "mixed-case or quoted names must be quoted in every query",
         "use lowercase snake_case names"},
        {"convention-plural-table", RuleFamily::conventions, W, false,
         "the project names tables in the plural", "name the table in the plural (bookings)"},
        {"convention-primary-key", RuleFamily::conventions, W, false,
         "the project names primary keys <singular>_id", "name it <singular of the table>_id"},
        {"convention-foreign-key", RuleFamily::conventions, W, false,
         "the project names foreign-key columns fk_<singular>",
         "name it fk_<singular of the referenced table>"},
        // the lint's own findings.
        {"ignore-missing-reason", RuleFamily::suppression, E, true,
         "an ignore without a reason hides a risk nobody can review",
         "write `-- ecluse:ignore RULE why it is safe here`"},
        {"ignore-unknown-rule", RuleFamily::suppression, E, true, "this ignore silences nothing",
         "use a rule id from `ecluse lint --rules`"},
        {"ignore-unused", RuleFamily::suppression, W, true,
         "the ignore matches no finding of the next statement",
         "remove it, or put it on the line right before the statement it is for"},
        {"syntax-error", RuleFamily::syntax, E, true, "PostgreSQL cannot parse this SQL",
         "fix the SQL at this position"},
    };
    return rules;
}

const Rule* find_rule(std::string_view id) {
    for (const Rule& candidate : lint_rules()) {
        if (candidate.id == id) {
            return &candidate;
        }
    }
    return nullptr;
}

const Rule& rule(std::string_view id) {
    const Rule* found = find_rule(id);
    if (found == nullptr) {
        throw std::logic_error("unknown lint rule " + std::string(id));
    }
    return *found;
}

std::string_view family_name(RuleFamily family) {
    switch (family) {
    case RuleFamily::pre_compatibility:
        return "pre-compatibility";
    case RuleFamily::rename:
        return "rename";
    case RuleFamily::post_timing:
        return "post-timing";
    case RuleFamily::locking:
        return "locking";
    case RuleFamily::robustness:
        return "robustness";
    case RuleFamily::conventions:
        return "conventions";
    case RuleFamily::suppression:
        return "suppression";
    case RuleFamily::syntax:
        return "syntax";
    }
    return "unknown";
}

std::string_view severity_name(Severity severity) {
    return severity == Severity::error ? "error" : "warning";
}

RuleSet::RuleSet() {
    for (const Rule& each : lint_rules()) {
        if (each.on_by_default) {
            m_enabled.insert(std::string(each.id));
        }
    }
}

void RuleSet::set(std::string_view id_or_family, bool on) {
    for (const Rule& each : lint_rules()) {
        if (each.id == id_or_family || family_name(each.family) == id_or_family) {
            if (on) {
                m_enabled.insert(std::string(each.id));
            } else {
                m_enabled.erase(std::string(each.id));
            }
        }
    }
}

namespace {

void check_rule_name(const std::string& name, const LintSettings& settings, int line) {
    if (find_rule(name) != nullptr) {
        return;
    }
    for (const Rule& each : lint_rules()) {
        if (family_name(each.family) == name) {
            return;
        }
    }
    std::string closest;
    std::size_t best = 4;
    for (const Rule& each : lint_rules()) {
        std::size_t distance = edit_distance(name, each.id);
        if (distance < best) {
            best = distance;
            closest = std::string(each.id);
        }
    }
    throw InputError(SourceLocation{settings.file, line},
                     "[lint] names an unknown rule " + quote_value(name),
                     closest.empty() ? "`ecluse lint --rules` lists the rule ids and families"
                                     : "did you mean " + closest + "?");
}

} // namespace

RuleSet::RuleSet(const LintSettings& settings) : RuleSet() {
    for (const auto& name : settings.enable) {
        check_rule_name(name, settings, settings.enable_line);
    }
    for (const auto& name : settings.disable) {
        check_rule_name(name, settings, settings.disable_line);
        if (name == "syntax-error" || name == "syntax") {
            throw InputError(SourceLocation{settings.file, settings.disable_line},
                             "[lint] cannot disable syntax-error",
                             "SQL that PostgreSQL cannot parse never runs: fix it instead");
        }
    }
    // Enabling a family then disabling one of its rules keeps that rule off.
    for (const auto& name : settings.enable) {
        set(name, true);
    }
    for (const auto& name : settings.disable) {
        set(name, false);
    }
}

} // namespace ecluse
