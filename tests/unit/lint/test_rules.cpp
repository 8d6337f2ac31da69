#include "lint/lint.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <set>

using namespace ecluse;

namespace {

RevisionFile revision_of(const std::string& sql, Branch branch, bool transactional,
                         const std::string& id = "a1b2c3d4e5f6") {
    std::string text = "-- revision: " + id +
                       "\n-- down_revision: none\n-- message: test\n-- created: "
                       "2026-01-01T00:00:00Z\n-- transaction: " +
                       (transactional ? "per-migration" : "none") + "\n\n-- ecluse:upgrade\n" +
                       sql + "\n";
    return parse_revision_file(text, std::string(branch_name(branch)) + "/" + id + ".sql", branch);
}

// lint_revisions and lint_pending on a project held in memory.
LintReport lint_in_memory(const std::vector<RevisionFile>& all,
                          const std::vector<const RevisionFile*>& targets, const RuleSet& rules) {
    Project project = Project::from_revisions(all);
    return lint_revisions(project, targets, rules);
}

LintReport pending_in_memory(const std::vector<RevisionFile>& all,
                             const std::vector<std::string>& ids, const LintSettings& settings) {
    Project project = Project::from_revisions(all);
    return lint_pending(project, ids, settings);
}

RuleSet every_rule() {
    RuleSet rules;
    rules.set("conventions", true);
    return rules;
}

std::vector<Finding> lint_sql(const std::string& sql, Branch branch = Branch::pre,
                              bool transactional = true, const RuleSet& rules = every_rule()) {
    std::vector<RevisionFile> all = {revision_of(sql, branch, transactional)};
    return lint_in_memory(all, {&all.front()}, rules).findings;
}

std::set<std::string> rule_ids(const std::vector<Finding>& findings) {
    std::set<std::string> ids;
    for (const auto& finding : findings) {
        ids.insert(finding.rule);
    }
    return ids;
}

// A statement that breaks a rule, and its safe rewrite (which may belong to
// the other branch or need `transaction: none`).
struct Case {
    const char* rule;
    Branch bad_branch;
    bool bad_transactional;
    const char* bad;
    Branch good_branch;
    bool good_transactional;
    const char* good;
};

constexpr Branch PRE = Branch::pre;
constexpr Branch POST = Branch::post;

const std::vector<Case> k_cases = {
    {"pre-drop-table", PRE, true, "DROP TABLE legacy_bookings;", POST, true,
     "DROP TABLE legacy_bookings;"},
    {"pre-drop-column", PRE, true, "ALTER TABLE bookings DROP COLUMN legacy_price;", POST, true,
     "ALTER TABLE bookings DROP COLUMN legacy_price;"},
    {"pre-drop-view", PRE, true, "DROP MATERIALIZED VIEW booking_totals;", POST, true,
     "DROP MATERIALIZED VIEW booking_totals;"},
    {"pre-drop-function", PRE, true, "DROP FUNCTION booking_total(bigint);", POST, true,
     "DROP FUNCTION booking_total(bigint);"},
    {"pre-drop-type", PRE, true, "DROP TYPE booking_state;", POST, true,
     "DROP TYPE booking_state;"},
    {"pre-drop-sequence", PRE, true, "DROP SEQUENCE ticket_numbers;", POST, true,
     "DROP SEQUENCE ticket_numbers;"},
    {"pre-drop-schema", PRE, true, "DROP SCHEMA legacy CASCADE;", POST, true,
     "DROP SCHEMA legacy CASCADE;"},
    {"pre-alter-column-type", PRE, true,
     "ALTER TABLE bookings ALTER COLUMN amount TYPE numeric(12,2);", PRE, true,
     "ALTER TABLE bookings ADD COLUMN amount_v2 numeric(12,2);"},
    {"pre-set-not-null", PRE, true, "ALTER TABLE bookings ALTER COLUMN amount SET NOT NULL;", POST,
     true, "ALTER TABLE bookings ALTER COLUMN amount SET NOT NULL;"},
    {"pre-add-not-null-column", PRE, true,
     "ALTER TABLE bookings ADD COLUMN currency text NOT NULL;", PRE, true,
     "ALTER TABLE bookings ADD COLUMN currency text NOT NULL DEFAULT 'EUR';"},
    {"pre-add-constraint", PRE, true,
     "ALTER TABLE bookings ADD CONSTRAINT bookings_amount_positive CHECK (amount > 0);", PRE, true,
     "ALTER TABLE bookings ADD CONSTRAINT bookings_amount_positive CHECK (amount > 0) NOT VALID;"},
    {"pre-validate-constraint", PRE, true,
     "ALTER TABLE bookings VALIDATE CONSTRAINT bookings_amount_positive;", POST, true,
     "ALTER TABLE bookings VALIDATE CONSTRAINT bookings_amount_positive;"},
    {"pre-drop-default", PRE, true, "ALTER TABLE bookings ALTER COLUMN created_at DROP DEFAULT;",
     POST, true, "ALTER TABLE bookings ALTER COLUMN created_at DROP DEFAULT;"},
    {"pre-truncate", PRE, true, "TRUNCATE bookings;", PRE, true,
     "CREATE TABLE imports (import_id bigint PRIMARY KEY);\nTRUNCATE imports;"},
    {"rename-table", POST, true, "ALTER TABLE bookings RENAME TO reservations;", PRE, true,
     "CREATE TABLE reservations (reservation_id bigint PRIMARY KEY);"},
    {"rename-column", POST, true, "ALTER TABLE bookings RENAME COLUMN amount TO price;", PRE, true,
     "ALTER TABLE bookings ADD COLUMN price numeric(10,2);"},
    {"rename-enum-value", PRE, true, "ALTER TYPE booking_state RENAME VALUE 'paid' TO 'settled';",
     PRE, true, "ALTER TYPE booking_state ADD VALUE 'settled';"},
    {"rename-object", PRE, true, "ALTER VIEW booking_totals RENAME TO booking_sums;", PRE, true,
     "CREATE VIEW booking_sums AS SELECT 1 AS total;"},
    {"post-create-table", POST, true, "CREATE TABLE refunds (refund_id bigint PRIMARY KEY);", PRE,
     true, "CREATE TABLE refunds (refund_id bigint PRIMARY KEY);"},
    {"post-add-column", POST, true, "ALTER TABLE bookings ADD COLUMN note text;", PRE, true,
     "ALTER TABLE bookings ADD COLUMN note text;"},
    {"post-create-index", POST, false,
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_created_at_idx ON bookings (created_at);",
     PRE, false,
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_created_at_idx ON bookings (created_at);"},
    {"post-create-view", POST, true, "CREATE VIEW booking_totals AS SELECT 1 AS total;", PRE, true,
     "CREATE VIEW booking_totals AS SELECT 1 AS total;"},
    {"post-create-function", POST, true,
     "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';", PRE, true,
     "CREATE FUNCTION one() RETURNS int LANGUAGE sql AS 'SELECT 1';"},
    {"locking-index-not-concurrent", PRE, true,
     "CREATE INDEX bookings_created_at_idx ON bookings (created_at);", PRE, false,
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_created_at_idx ON bookings (created_at);"},
    {"locking-reindex-not-concurrent", POST, true, "REINDEX INDEX bookings_created_at_idx;", POST,
     false, "REINDEX INDEX CONCURRENTLY bookings_created_at_idx;"},
    {"locking-constraint-not-valid", POST, true,
     "ALTER TABLE offers ADD CONSTRAINT offers_fk_venue_fkey FOREIGN KEY (fk_venue) REFERENCES "
     "venues (venue_id);",
     POST, true,
     "ALTER TABLE offers ADD CONSTRAINT offers_fk_venue_fkey FOREIGN KEY (fk_venue) REFERENCES "
     "venues (venue_id) NOT VALID;"},
    {"locking-validate-same-transaction", POST, true,
     "ALTER TABLE bookings ADD CONSTRAINT bookings_amount_positive CHECK (amount > 0) NOT VALID;\n"
     "ALTER TABLE bookings VALIDATE CONSTRAINT bookings_amount_positive;",
     POST, true, "ALTER TABLE bookings VALIDATE CONSTRAINT bookings_amount_positive;"},
    {"locking-unique-without-index", POST, true,
     "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);", POST, true,
     "ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;"},
    {"locking-alter-column-type", POST, true,
     "ALTER TABLE bookings ALTER COLUMN amount TYPE numeric(12,2);", PRE, true,
     "ALTER TABLE bookings ADD COLUMN amount_v2 numeric(12,2);"},
    {"locking-volatile-default", PRE, true,
     "ALTER TABLE bookings ADD COLUMN token uuid DEFAULT gen_random_uuid();", PRE, true,
     "ALTER TABLE bookings ADD COLUMN booked_at timestamptz DEFAULT now();"},
    {"locking-set-not-null", POST, true, "ALTER TABLE bookings ALTER COLUMN amount SET NOT NULL;",
     POST, true,
     "ALTER TABLE bookings ADD CONSTRAINT bookings_amount_not_null CHECK (amount IS NOT NULL);\n"
     "ALTER TABLE bookings ALTER COLUMN amount SET NOT NULL;"},
    {"locking-vacuum-full", POST, false, "VACUUM FULL bookings;", POST, false, "VACUUM bookings;"},
    {"locking-cluster", POST, true, "CLUSTER bookings USING bookings_pkey;", POST, true,
     "ANALYZE bookings;"},
    {"locking-lock-table", PRE, true, "LOCK TABLE bookings IN ACCESS EXCLUSIVE MODE;", PRE, true,
     "UPDATE bookings SET amount = 0 WHERE amount IS NULL;"},
    {"locking-refresh-not-concurrent", POST, true, "REFRESH MATERIALIZED VIEW booking_totals;",
     POST, true, "REFRESH MATERIALIZED VIEW CONCURRENTLY booking_totals;"},
    {"locking-concurrently-in-transaction", PRE, true,
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_created_at_idx ON bookings (created_at);",
     PRE, false,
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_created_at_idx ON bookings (created_at);"},
    {"locking-transaction-control", PRE, true,
     "BEGIN;\nUPDATE bookings SET amount = 0 WHERE amount IS NULL;\nCOMMIT;", PRE, true,
     "UPDATE bookings SET amount = 0 WHERE amount IS NULL;"},
    {"robustness-if-not-exists", PRE, false,
     "CREATE INDEX CONCURRENTLY bookings_created_at_idx ON bookings (created_at);", PRE, false,
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_created_at_idx ON bookings (created_at);"},
    {"convention-snake-case", PRE, true,
     "CREATE TABLE \"BookingNotes\" (booking_note_id bigint PRIMARY KEY);", PRE, true,
     "CREATE TABLE booking_notes (booking_note_id bigint PRIMARY KEY);"},
    {"convention-plural-table", PRE, true, "CREATE TABLE refund (refund_id bigint PRIMARY KEY);",
     PRE, true, "CREATE TABLE refunds (refund_id bigint PRIMARY KEY);"},
    {"convention-primary-key", PRE, true, "CREATE TABLE categories (id bigint PRIMARY KEY);", PRE,
     true, "CREATE TABLE categories (category_id bigint PRIMARY KEY);"},
    {"convention-foreign-key", PRE, true,
     "CREATE TABLE refunds (refund_id bigint PRIMARY KEY, booking_id bigint REFERENCES bookings "
     "(booking_id));",
     PRE, true,
     "CREATE TABLE refunds (refund_id bigint PRIMARY KEY, fk_booking bigint REFERENCES bookings "
     "(booking_id));"},
    {"ignore-missing-reason", PRE, true,
     "-- ecluse:ignore locking-lock-table\nLOCK TABLE bookings;", PRE, true,
     "-- ecluse:ignore locking-lock-table the table has ten rows\nLOCK TABLE bookings;"},
    {"ignore-unknown-rule", PRE, true,
     "-- ecluse:ignore locking-lock-tables the table has ten rows\nLOCK TABLE bookings;", PRE, true,
     "-- ecluse:ignore locking-lock-table the table has ten rows\nLOCK TABLE bookings;"},
    {"ignore-unused", PRE, true,
     "-- ecluse:ignore locking-cluster the table has ten rows\nANALYZE bookings;", PRE, true,
     "ANALYZE bookings;"},
    {"syntax-error", PRE, true, "ALTER TABLE bookings ADD COLUMN;", PRE, true,
     "ALTER TABLE bookings ADD COLUMN note text;"},
};

} // namespace

TEST_SUITE("lint rules") {
    TEST_CASE("every rule has a case") {
        std::set<std::string> covered;
        for (const auto& c : k_cases) {
            covered.insert(c.rule);
        }
        for (const Rule& rule : lint_rules()) {
            CHECK_MESSAGE(covered.count(std::string(rule.id)) == 1, rule.id);
        }
    }

    TEST_CASE("each rule fires on its bad statement and not on the safe rewrite") {
        for (const auto& c : k_cases) {
            CAPTURE(c.rule);
            auto bad = lint_sql(c.bad, c.bad_branch, c.bad_transactional);
            CHECK(rule_ids(bad).count(c.rule) == 1);
            auto good = lint_sql(c.good, c.good_branch, c.good_transactional);
            CHECK(rule_ids(good).count(c.rule) == 0);
        }
    }

    TEST_CASE("a finding carries the statement's file:line:column, severity, reason and fix") {
        auto findings = lint_sql("UPDATE bookings SET amount = 1;\n\n  ALTER TABLE bookings DROP "
                                 "COLUMN legacy_price;");
        REQUIRE(findings.size() == 1);
        CHECK(findings[0].location.to_string() == "pre/a1b2c3d4e5f6.sql:10:3");
        CHECK(findings[0].rule == "pre-drop-column");
        CHECK(findings[0].severity == Severity::error);
        CHECK(findings[0].message ==
              "DROP COLUMN bookings.legacy_price: code N still reads and writes this column "
              "(SELECT * and INSERTs break)");
        CHECK(findings[0].fix ==
              "stop using the column in code N+1, then drop it in a post revision");
    }

    TEST_CASE("post timing findings are warnings") {
        auto findings = lint_sql("ALTER TABLE bookings ADD COLUMN note text;", Branch::post);
        REQUIRE(findings.size() == 1);
        CHECK(findings[0].severity == Severity::warning);
    }
}

TEST_SUITE("lint: what the revision itself created") {
    TEST_CASE("a plain index on a table created in the same revision is fine") {
        CHECK(lint_sql("CREATE TABLE refunds (refund_id bigint PRIMARY KEY, fk_booking bigint);\n"
                       "CREATE INDEX refunds_fk_booking_idx ON refunds (fk_booking);\n"
                       "ALTER TABLE refunds ADD CONSTRAINT refunds_fk_booking_fkey FOREIGN KEY "
                       "(fk_booking) REFERENCES bookings (booking_id);\n"
                       "ALTER TABLE refunds ALTER COLUMN fk_booking SET NOT NULL;")
                  .empty());
    }

    TEST_CASE("an index created then dropped in the same revision is fine") {
        CHECK(lint_sql("CREATE TABLE t1s (t1_id int PRIMARY KEY);\nCREATE INDEX t1s_x ON t1s "
                       "(t1_id);\nDROP INDEX t1s_x;\nDROP TABLE t1s;")
                  .empty());
    }

    TEST_CASE("dropping an index without CONCURRENTLY on an existing table is not") {
        CHECK(rule_ids(lint_sql("DROP INDEX bookings_created_at_idx;")) ==
              std::set<std::string>{"locking-index-not-concurrent"});
    }

    TEST_CASE("SET NOT NULL after VALIDATE of a NOT NULL check added by an earlier revision") {
        std::vector<RevisionFile> all = {
            revision_of("ALTER TABLE bookings ADD CONSTRAINT bookings_amount_not_null CHECK "
                        "(amount IS NOT NULL) NOT VALID;",
                        Branch::post, true, "aaaaaaaaaaaa"),
            revision_of("ALTER TABLE bookings VALIDATE CONSTRAINT bookings_amount_not_null;\n"
                        "ALTER TABLE bookings ALTER COLUMN amount SET NOT NULL;",
                        Branch::post, true, "bbbbbbbbbbbb"),
            revision_of("ALTER TABLE bookings VALIDATE CONSTRAINT bookings_amount_not_null;\n"
                        "ALTER TABLE bookings ALTER COLUMN price SET NOT NULL;",
                        Branch::post, true, "cccccccccccc"),
        };
        CHECK(lint_in_memory(all, {&all[0], &all[1]}, RuleSet()).findings.empty());
        auto other = lint_in_memory(all, {&all[2]}, RuleSet()).findings;
        CHECK(rule_ids(other) == std::set<std::string>{"locking-set-not-null"});
    }

    TEST_CASE("VALIDATE in a transaction: none revision after the NOT VALID add is allowed") {
        CHECK(rule_ids(lint_sql("ALTER TABLE bookings ADD CONSTRAINT c CHECK (amount > 0) NOT "
                                "VALID;\nALTER TABLE bookings VALIDATE CONSTRAINT c;",
                                Branch::post, false))
                  .count("locking-validate-same-transaction") == 0);
    }

    TEST_CASE("ADD COLUMN bigserial rewrites the table") {
        CHECK(rule_ids(lint_sql("ALTER TABLE bookings ADD COLUMN n bigserial;"))
                  .count("locking-volatile-default") == 1);
    }
}

TEST_SUITE("lint: suppression") {
    TEST_CASE("an ignore with a reason silences its rule on the next statement only") {
        auto findings =
            lint_sql("-- why: the table holds ten rows\n"
                     "-- ecluse:ignore locking-lock-table ten rows, locked for a second\n"
                     "LOCK TABLE bookings;\nLOCK TABLE users;");
        REQUIRE(findings.size() == 1);
        CHECK(findings[0].rule == "locking-lock-table");
        CHECK(findings[0].location.line == 11);
    }

    TEST_CASE("an ignore separated from its statement by a blank line attaches to nothing") {
        auto findings = lint_sql("-- ecluse:ignore locking-lock-table ten rows\n\nLOCK TABLE "
                                 "bookings;");
        CHECK(rule_ids(findings) == std::set<std::string>{"ignore-unused", "locking-lock-table"});
        CHECK(findings[0].location.to_string() == "pre/a1b2c3d4e5f6.sql:8:1");
    }

    TEST_CASE("suppression findings are errors except an unused ignore") {
        CHECK(rule("ignore-missing-reason").severity == Severity::error);
        CHECK(rule("ignore-unknown-rule").severity == Severity::error);
        CHECK(rule("ignore-unused").severity == Severity::warning);
    }
}

TEST_SUITE("lint: malformed SQL") {
    TEST_CASE("the parser's message at the right file:line:column") {
        auto findings = lint_sql("UPDATE bookings SET amount = 1;\nALTER TABLE bookings\n  ADD "
                                 "COLUMN;\n");
        REQUIRE(findings.size() == 1);
        CHECK(findings[0].rule == "syntax-error");
        CHECK(findings[0].message == "syntax error at or near \";\"");
        CHECK(findings[0].location.to_string() == "pre/a1b2c3d4e5f6.sql:10:13");
    }

    TEST_CASE("a report with a syntax error is bad input") {
        std::vector<RevisionFile> all = {revision_of("SELEC 1;", Branch::pre, true)};
        LintReport report = lint_in_memory(all, {&all[0]}, RuleSet());
        CHECK(report.bad_input);
        CHECK(report.findings.at(0).location.to_string() == "pre/a1b2c3d4e5f6.sql:8:1");
    }
}

TEST_SUITE("lint: the project's rule set") {
    TEST_CASE("conventions are off by default") {
        CHECK(lint_sql("CREATE TABLE refund (id bigint PRIMARY KEY);", Branch::pre, true, RuleSet())
                  .empty());
    }

    TEST_CASE("ecluse.toml switches rules and families on and off") {
        LintSettings settings;
        settings.file = "ecluse.toml";
        settings.enable = {"conventions"};
        settings.disable = {"convention-plural-table", "locking-lock-table"};
        RuleSet rules(settings);
        CHECK(rules.enabled("convention-primary-key"));
        CHECK_FALSE(rules.enabled("convention-plural-table"));
        CHECK_FALSE(rules.enabled("locking-lock-table"));
        CHECK(rules.enabled("pre-drop-column"));
    }

    TEST_CASE("an unknown rule id in ecluse.toml is an error at its line") {
        LintSettings settings;
        settings.file = "ecluse.toml";
        settings.disable = {"locking-lock-tabel"};
        settings.disable_line = 3;
        try {
            RuleSet rules(settings);
            FAIL("no error");
        } catch (const InputError& error) {
            CHECK(std::string(error.what()) ==
                  "ecluse.toml:3: [lint] names an unknown rule \"locking-lock-tabel\"");
            CHECK(error.hint() == "did you mean locking-lock-table?");
        }
    }

    TEST_CASE("an ignore of a rule the project switched off is not reported unused") {
        LintSettings settings;
        settings.disable = {"locking-lock-table"};
        CHECK(lint_sql("-- ecluse:ignore locking-lock-table ten rows\nANALYZE bookings;",
                       Branch::pre, true, RuleSet(settings))
                  .empty());
    }
}

TEST_SUITE("lint: deploy's preflight") {
    TEST_CASE("lint_pending lints only the pending revisions, with the project's settings") {
        std::vector<RevisionFile> all = {
            revision_of("LOCK TABLE bookings;", Branch::pre, true, "aaaaaaaaaaaa"),
            revision_of("ALTER TABLE bookings DROP COLUMN price;", Branch::pre, true,
                        "bbbbbbbbbbbb"),
        };
        LintReport report = pending_in_memory(all, {"bbbbbbbbbbbb"}, LintSettings{});
        CHECK(report.revisions == 1);
        CHECK(rule_ids(report.findings) == std::set<std::string>{"pre-drop-column"});
        CHECK(report.count(Severity::error) == 1);
        LintSettings off;
        off.disable = {"pre-compatibility"};
        CHECK(pending_in_memory(all, {"bbbbbbbbbbbb"}, off).findings.empty());
    }
}
