// `ecluse adopt`, end to end: databases that another tool migrated (a real
// Alembic project run by Debian's python3-alembic; Sequelize's, TypeORM's
// and Flyway's tables written as those tools write them) moved to ecluse,
// on the scratch server.

#include "tests/e2e/database_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using ecluse::ProcessResult;
using namespace ecluse::test;

namespace {

// An ecluse project with no revision yet.
struct AdoptProject {
    TempDir dir;
    AdoptProject() {
        ProcessResult init = run_ecluse(root(), {"init", "--no-hook"});
        REQUIRE_MESSAGE(init.exit_code == 0, init.errors);
    }
    const fs::path& root() const { return dir.path(); }
    ProcessResult on(const std::string& url, const std::vector<std::string>& args) const {
        return run_on(root(), url, args);
    }
    // A new pre revision whose upgrade is `sql`.
    void add_revision(const std::string& message, const std::string& sql) const {
        ProcessResult revision =
            run_ecluse(root(), {"revision", "-m", message, "--head", "pre@head"});
        REQUIRE_MESSAGE(revision.exit_code == 0, revision.errors);
        fs::path file = root() / revision.output.substr(0, revision.output.size() - 1);
        std::string text = read(file);
        std::string marker = "-- ecluse:upgrade\n";
        REQUIRE(text.find(marker) != std::string::npos);
        text.insert(text.find(marker) + marker.size(), sql + "\n");
        write(file, text);
    }
    // The one revision file of the pre branch, the baseline.
    std::string baseline() const {
        auto files = revision_files(root(), "pre");
        REQUIRE(files.size() == 1);
        return read(files.front());
    }
};

// The schema as pg_dump gives it, without ecluse's schema and `old_table`,
// its comments, blank lines and \restrict lines.
std::string schema_of(const std::string& url, const std::string& old_table = "") {
    std::vector<std::string> argv = {"/usr/lib/postgresql/15/bin/pg_dump", "--schema-only",
                                     "--exclude-schema=ecluse", "--dbname", url};
    if (!old_table.empty()) {
        argv.push_back("--exclude-table=" + old_table);
    }
    ProcessResult dump = ecluse::run_process(argv);
    REQUIRE_MESSAGE(dump.exit_code == 0, dump.errors);
    std::string out;
    std::size_t start = 0;
    while (start < dump.output.size()) {
        std::size_t end = dump.output.find('\n', start);
        std::string line = dump.output.substr(start, end - start);
        start = end == std::string::npos ? dump.output.size() : end + 1;
        if (!line.empty() && line.rfind("--", 0) != 0 && line.rfind("\\restrict", 0) != 0 &&
            line.rfind("\\unrestrict", 0) != 0) {
            out += line + "\n";
        }
    }
    return out;
}

// `count` new databases, each given `sql`.
std::vector<std::string> databases_with(const std::string& sql, int count) {
    std::vector<std::string> urls;
    for (int i = 0; i < count; ++i) {
        urls.push_back(create_database());
        psql(urls.back(), sql);
    }
    return urls;
}

bool ecluse_schema_exists(const std::string& url) {
    return psql(url, "SELECT count(*) FROM pg_namespace WHERE nspname = 'ecluse'") == "1";
}

// A real Alembic project: three revisions written with op.create_table
// and op.add_column, run by Debian's alembic on the database of $DATABASE_URL.
class AlembicProject {
public:
    AlembicProject() {
        write(root() / "alembic.ini", "[alembic]\nscript_location = alembic\n");
        write(root() / "alembic" / "env.py", "import os\n"
                                             "from alembic import context\n"
                                             "from sqlalchemy import create_engine\n\n"
                                             "engine = create_engine(os.environ['DATABASE_URL'])\n"
                                             "with engine.connect() as connection:\n"
                                             "    context.configure(connection=connection)\n"
                                             "    with context.begin_transaction():\n"
                                             "        context.run_migrations()\n");
        revision("1f0a2b3c4d5e", "None",
                 "op.create_table('users', sa.Column('id', sa.Integer, primary_key=True),\n"
                 "                    sa.Column('email', sa.String(200), nullable=False))");
        revision("2a9b8c7d6e5f", "'1f0a2b3c4d5e'",
                 "op.add_column('users', sa.Column('name', sa.Text))");
        revision(
            "3c4d5e6f7a8b", "'2a9b8c7d6e5f'",
            "op.create_table('orders', sa.Column('id', sa.BigInteger, primary_key=True),\n"
            "                    sa.Column('user_id', sa.Integer, sa.ForeignKey('users.id')),\n"
            "                    sa.Column('total', sa.Numeric(10, 2)))\n"
            "    op.create_index('orders_user', 'orders', ['user_id'])");
    }
    void upgrade(const std::string& url, const std::string& target) const {
        ProcessResult result =
            ecluse::run_process({"/usr/bin/python3", "-m", "alembic", "upgrade", target},
                                {root(), {{"DATABASE_URL", url}}, ""});
        REQUIRE_MESSAGE(result.exit_code == 0, ("alembic upgrade failed: " + result.errors));
    }

private:
    const fs::path& root() const { return m_dir.path(); }
    void revision(const std::string& id, const std::string& down, const std::string& body) {
        write(root() / "alembic" / "versions" / (id + ".py"),
              "from alembic import op\nimport sqlalchemy as sa\n\n"
              "revision = '" +
                  id + "'\ndown_revision = " + down + "\n\n\ndef upgrade():\n    " + body +
                  "\n\n\ndef downgrade():\n    pass\n");
    }
    TempDir m_dir;
};

} // namespace

TEST_SUITE("adopt from alembic") {
    TEST_CASE("production adopted, staging one revision behind refused, then both deployed") {
        AlembicProject alembic;
        std::string production = create_database();
        std::string staging = create_database();
        alembic.upgrade(production, "head");
        alembic.upgrade(staging, "2a9b8c7d6e5f");
        std::string before = schema_of(production);

        AdoptProject project;
        ProcessResult adopted = project.on(production, {"adopt"});
        REQUIRE_MESSAGE(adopted.exit_code == 0, adopted.errors);
        CHECK(contains(adopted.output, "migrations/pre/"));
        CHECK(contains(adopted.errors, "alembic at 3c4d5e6f7a8b"));
        CHECK(contains(adopted.errors, "next: commit"));
        std::string baseline = project.baseline();
        CHECK(contains(baseline, "-- adopted-from: alembic"));
        CHECK(contains(baseline, "-- adopted-position: 3c4d5e6f7a8b"));
        CHECK(contains(baseline, "CREATE TABLE public.orders"));
        CHECK_FALSE(contains(baseline, "\\restrict"));
        CHECK_FALSE(contains(baseline, "CREATE TABLE public.alembic_version"));
        CHECK_FALSE(contains(baseline, "statement_timeout"));

        // Stamped: applied, nothing pending, the schema and alembic's table untouched.
        auto production_states = states(project.root(), production);
        REQUIRE(production_states.size() == 1);
        CHECK(production_states.begin()->second == "applied");
        CHECK(schema_of(production) == before);
        CHECK(psql(production, "SELECT version_num FROM alembic_version") == "3c4d5e6f7a8b");
        ProcessResult check = run_ecluse(project.root(), {"check"});
        CHECK_MESSAGE(check.exit_code == 0, (check.output + check.errors));

        // Adopting production again changes nothing.
        ProcessResult again = project.on(production, {"adopt"});
        CHECK(again.exit_code == 0);
        CHECK(contains(again.errors, "already applied on this database: nothing changed"));

        // An empty database built through the baseline has production's schema.
        std::string fresh = create_database();
        ProcessResult built = project.on(fresh, {"upgrade", "heads"});
        REQUIRE_MESSAGE(built.exit_code == 0, built.errors);
        CHECK(schema_of(fresh) == schema_of(production, "public.alembic_version"));

        // Staging is one alembic revision behind: refused, the revision named,
        // nothing written.
        ProcessResult behind = project.on(staging, {"adopt"});
        CHECK(behind.exit_code == 1);
        CHECK(contains(behind.errors, "public.alembic_version holds 2a9b8c7d6e5f"));
        CHECK(contains(behind.errors, "the baseline was taken at 3c4d5e6f7a8b"));
        CHECK(contains(behind.errors, "alembic upgrade 3c4d5e6f7a8b"));
        CHECK_FALSE(ecluse_schema_exists(staging));

        // Once alembic brought it up, staging is adopted.
        alembic.upgrade(staging, "head");
        ProcessResult caught_up = project.on(staging, {"adopt"});
        REQUIRE_MESSAGE(caught_up.exit_code == 0, caught_up.errors);
        CHECK(contains(caught_up.errors, "stamped it"));

        // From then on an ordinary project: a new revision deploys to both.
        project.add_revision("add nickname", "ALTER TABLE public.users ADD COLUMN nickname text;");
        for (const std::string& url : {production, staging}) {
            ProcessResult deployed = project.on(url, {"deploy", "--hook", "true"});
            CHECK_MESSAGE(deployed.exit_code == 0, deployed.errors);
            CHECK(relation_exists(url, "public.users"));
            CHECK(psql(url, "SELECT count(*) FROM information_schema.columns WHERE column_name = "
                            "'nickname'") == "1");
        }
        CHECK(psql(staging, "SELECT version_num FROM alembic_version") == "3c4d5e6f7a8b");
    }
}

TEST_SUITE("adopt from sequelize, typeorm and flyway") {
    const char* sequelize_schema =
        "CREATE TABLE \"SequelizeMeta\" (name varchar(255) PRIMARY KEY);"
        "CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL UNIQUE);"
        "CREATE FUNCTION lower_email() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n-- a comment line of the body\n  NEW.email := lower(NEW.email);\n"
        "  RETURN NEW;\nEND $$;"
        "CREATE TRIGGER users_lower BEFORE INSERT ON users FOR EACH ROW "
        "EXECUTE FUNCTION lower_email();"
        "CREATE VIEW active_users AS SELECT id, email FROM users;"
        "INSERT INTO \"SequelizeMeta\" VALUES ('20240101-create-users.js');";

    TEST_CASE("sequelize: a database behind and one whose schema differs are refused") {
        auto urls = databases_with(sequelize_schema, 3);
        const std::string& production = urls[0];
        const std::string& behind = urls[1];
        const std::string& drifted = urls[2];
        for (const std::string& url : {production, drifted}) {
            psql(url, "INSERT INTO \"SequelizeMeta\" VALUES ('20240201-add-users-name.js')");
        }
        psql(production, "ALTER TABLE users ADD COLUMN name text");

        AdoptProject project;
        ProcessResult adopted = project.on(production, {"--format", "json", "adopt"});
        REQUIRE_MESSAGE(adopted.exit_code == 0, adopted.errors);
        auto document = nlohmann::json::parse(adopted.output);
        CHECK(document["from"] == "sequelize");
        CHECK(document["position"].size() == 2);
        CHECK(document["stamped"] == true);
        std::string baseline = project.baseline();
        CHECK(contains(baseline, "-- adopted-position: 20240201-add-users-name.js"));
        // A function body keeps its own comment lines.
        CHECK(contains(baseline, "-- a comment line of the body"));

        ProcessResult refused = project.on(behind, {"adopt"});
        CHECK(refused.exit_code == 1);
        CHECK(contains(refused.errors, "has not applied 20240201-add-users-name.js"));
        CHECK(contains(refused.errors, "sequelize-cli db:migrate"));
        CHECK_FALSE(ecluse_schema_exists(behind));

        // Sequelize's table says the migration ran, but the column is not there.
        ProcessResult different = project.on(drifted, {"adopt"});
        CHECK(different.exit_code == 1);
        CHECK(contains(different.errors, "schema is not the baseline's"));
        CHECK(contains(different.errors, "only in the baseline: CREATE TABLE public.users"));
        CHECK(contains(different.errors, "only in this database: CREATE TABLE public.users"));
        CHECK_FALSE(ecluse_schema_exists(drifted));

        psql(drifted, "ALTER TABLE users ADD COLUMN name text");
        ProcessResult fixed = project.on(drifted, {"adopt"});
        CHECK_MESSAGE(fixed.exit_code == 0, fixed.errors);
        CHECK(ledger_rows(drifted) == 1);
    }

    TEST_CASE("typeorm: found by auto; a database ahead is refused with the difference") {
        const char* schema =
            "CREATE TABLE migrations (id serial PRIMARY KEY, \"timestamp\" bigint NOT NULL, "
            "name varchar NOT NULL);"
            "CREATE TABLE accounts (id uuid PRIMARY KEY, label text);"
            "INSERT INTO migrations (\"timestamp\", name) VALUES "
            "(1700000000000, 'CreateAccounts1700000000000');";
        auto urls = databases_with(schema, 2);
        const std::string& production = urls[0];
        const std::string& ahead = urls[1];
        psql(ahead, "INSERT INTO migrations (\"timestamp\", name) VALUES "
                    "(1710000000000, 'AddLabelIndex1710000000000');"
                    "CREATE INDEX accounts_label ON accounts (label)");

        AdoptProject project;
        ProcessResult adopted = project.on(production, {"adopt"});
        REQUIRE_MESSAGE(adopted.exit_code == 0, adopted.errors);
        CHECK(
            contains(adopted.errors, "typeorm: 1 migration, the last CreateAccounts1700000000000"));

        ProcessResult refused = project.on(ahead, {"adopt"});
        CHECK(refused.exit_code == 1);
        CHECK(contains(refused.errors, "position is not the baseline's"));
        CHECK(contains(refused.errors, "AddLabelIndex1710000000000"));
        CHECK_FALSE(ecluse_schema_exists(ahead));

        // --from names a tool; another one than the baseline's is a usage error.
        ProcessResult wrong = project.on(ahead, {"adopt", "--from", "flyway"});
        CHECK(wrong.exit_code == 2);
        CHECK(contains(wrong.errors, "was adopted from typeorm"));
    }

    TEST_CASE("flyway: checksums compared, a failed migration refused") {
        const char* history =
            "CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version "
            "varchar(50), description varchar(200) NOT NULL, type varchar(20) NOT NULL, script "
            "varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL, "
            "installed_on timestamp NOT NULL DEFAULT now(), execution_time int NOT NULL, "
            "success boolean NOT NULL);"
            "CREATE TABLE items (id int PRIMARY KEY, title text);"
            "CREATE VIEW titles AS SELECT title FROM items;"
            "INSERT INTO flyway_schema_history VALUES "
            "(1, '1', 'create items', 'SQL', 'V1__create_items.sql', 1234567, 'app', now(), 5, "
            "true), "
            "(2, NULL, 'titles', 'SQL', 'R__titles.sql', 111, 'app', now(), 2, true), "
            "(3, NULL, 'titles', 'SQL', 'R__titles.sql', 222, 'app', now(), 2, true);";
        auto urls = databases_with(history, 3);
        const std::string& production = urls[0];
        const std::string& edited = urls[1];
        const std::string& failed = urls[2];
        // The same version, run from a file that was edited since.
        psql(edited, "UPDATE flyway_schema_history SET checksum = 7654321 WHERE version = '1'");
        psql(failed, "INSERT INTO flyway_schema_history VALUES (4, '2', 'add price', 'SQL', "
                     "'V2__add_price.sql', 42, 'app', now(), 1, false)");

        AdoptProject project;
        ProcessResult refused_failed = project.on(failed, {"adopt", "--from", "flyway"});
        CHECK(refused_failed.exit_code == 1);
        CHECK(contains(refused_failed.errors, "records a failed migration: V2 V2__add_price.sql"));
        CHECK(revision_files(project.root(), "pre").empty());

        ProcessResult adopted = project.on(production, {"adopt", "--from", "flyway", "--no-owner"});
        REQUIRE_MESSAGE(adopted.exit_code == 0, adopted.errors);
        std::string baseline = project.baseline();
        CHECK(contains(baseline, "-- adopted-position: V1 V1__create_items.sql 1234567"));
        // A repeatable migration counts with its newest checksum only.
        CHECK(contains(baseline, "-- adopted-position: R R__titles.sql 222"));
        CHECK_FALSE(contains(baseline, "R__titles.sql 111"));
        CHECK(contains(baseline, "-- adopted-dump: --no-owner"));
        CHECK_FALSE(contains(baseline, "OWNER TO"));

        ProcessResult refused = project.on(edited, {"adopt"});
        CHECK(refused.exit_code == 1);
        CHECK(contains(refused.errors, "V1 V1__create_items.sql 7654321"));
        CHECK_FALSE(ecluse_schema_exists(edited));
    }

    TEST_CASE("auto refuses none and several old tools; a project with revisions not applied is "
              "refused") {
        std::string empty = create_database();
        std::string both = create_database();
        psql(both, "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);"
                   "CREATE TABLE \"SequelizeMeta\" (name varchar(255) PRIMARY KEY)");
        AdoptProject project;
        ProcessResult none = project.on(empty, {"adopt"});
        CHECK(none.exit_code == 1);
        CHECK(contains(none.errors, "no old tool's table in this database"));
        ProcessResult several = project.on(both, {"adopt"});
        CHECK(several.exit_code == 1);
        CHECK(contains(several.errors, "several old tools' tables"));
        CHECK(contains(several.errors, "alembic_version (alembic)"));
        CHECK(revision_files(project.root(), "pre").empty());
        ProcessResult bad = project.on(both, {"adopt", "--from", "liquibase"});
        CHECK(bad.exit_code == 2);

        REQUIRE(run_ecluse(project.root(), {"revision", "-m", "first", "--head", "pre@head"})
                    .exit_code == 0);
        ProcessResult late = project.on(both, {"adopt", "--from", "alembic"});
        CHECK(late.exit_code == 1);
        CHECK(contains(late.errors, "has not applied 1 of them"));
        CHECK(contains(late.errors, "ecluse upgrade heads"));
        CHECK_FALSE(ecluse_schema_exists(both));
    }
}

TEST_SUITE("adopt a project that has revisions already") {
    TEST_CASE("the baseline is a snapshot at both heads; empty databases start from it") {
        const char* old_schema =
            "CREATE TABLE \"SequelizeMeta\" (name varchar(255) PRIMARY KEY);"
            "CREATE TABLE shops (id int PRIMARY KEY, name text NOT NULL);"
            "INSERT INTO \"SequelizeMeta\" VALUES ('20230101-create-shops.js');";
        auto urls = databases_with(old_schema, 3);
        const std::string& production = urls[0];
        const std::string& staging = urls[1];
        const std::string& late = urls[2];
        // The team wrote an ecluse revision on top of Sequelize's schema and
        // applied it everywhere but on `late`.
        AdoptProject project;
        project.add_revision("add city", "ALTER TABLE shops ADD COLUMN city text;");
        for (const std::string& url : {production, staging}) {
            REQUIRE(project.on(url, {"upgrade", "heads"}).exit_code == 0);
        }

        ProcessResult adopted = project.on(production, {"--format", "json", "adopt"});
        REQUIRE_MESSAGE(adopted.exit_code == 0, adopted.errors);
        auto document = nlohmann::json::parse(adopted.output);
        CHECK(document["snapshot"] == true);
        CHECK(document["revision"].is_null());
        CHECK(document["stamped"] == false);
        std::string baseline = document["baseline"];
        CHECK(contains(baseline, "migrations/snapshot/"));
        std::string snapshot = read(project.root() / baseline);
        CHECK(contains(snapshot, "-- adopted-from: sequelize"));
        CHECK(contains(snapshot, "city text"));
        CHECK(revision_files(project.root(), "pre").size() == 1);
        ProcessResult check = run_ecluse(project.root(), {"check"});
        CHECK_MESSAGE(check.exit_code == 0, (check.output + check.errors));

        // An empty database starts from the snapshot, with production's schema.
        std::string fresh = create_database();
        ProcessResult built = project.on(fresh, {"upgrade", "heads"});
        REQUIRE_MESSAGE(built.exit_code == 0, built.errors);
        CHECK(contains(built.output, "applied snapshot"));
        CHECK(schema_of(fresh) == schema_of(production, "public.\"SequelizeMeta\""));

        // Staging matches: nothing to stamp. `late` has not applied the revision.
        ProcessResult matched = project.on(staging, {"adopt"});
        CHECK_MESSAGE(matched.exit_code == 0, matched.errors);
        CHECK(contains(matched.errors, "nothing was stamped"));
        ProcessResult refused = project.on(late, {"adopt"});
        CHECK(refused.exit_code == 1);
        CHECK(contains(refused.errors, "has not applied 1 of the revisions the snapshot"));
        CHECK_FALSE(ecluse_schema_exists(late));
    }
}
