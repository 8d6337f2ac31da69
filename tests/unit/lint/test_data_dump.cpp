#include "lint/data_dump.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ecluse;

namespace {

const std::string k_file = "data.sql";

DataDump read(std::string_view text) {
    return read_data_dump(text, k_file, "ecluse");
}

// The InputError that read_data_dump throws for `text`.
InputError refusal(std::string_view text) {
    try {
        read(text);
    } catch (const InputError& error) {
        return error;
    }
    FAIL("read_data_dump did not refuse:\n" << text);
    throw std::logic_error("unreachable");
}

std::vector<std::string> sql_of(const DataDump& dump) {
    std::vector<std::string> sql;
    for (const Statement& statement : dump.statements) {
        sql.push_back(statement.sql);
    }
    return sql;
}

// The head of a pg_dump 15 --data-only dump.
const std::string k_dump_head = "\\restrict abc123\n"
                                "SET statement_timeout = 0;\n"
                                "SET lock_timeout = 0;\n"
                                "SET idle_in_transaction_session_timeout = 0;\n"
                                "SET client_encoding = 'UTF8';\n"
                                "SET standard_conforming_strings = on;\n"
                                "SELECT pg_catalog.set_config('search_path', '', false);\n"
                                "SET check_function_bodies = false;\n"
                                "SET xmloption = content;\n"
                                "SET client_min_messages = warning;\n"
                                "SET row_security = off;\n";

} // namespace

TEST_SUITE("data_dump") {

    TEST_CASE("a pg_dump --data-only dump is accepted whole, ecluse's own tables left out") {
        std::string text = k_dump_head +
                           "COPY ecluse.applied_revision (revision, branch) FROM stdin;\n"
                           "aaaa00000001\tpre\n"
                           "\\.\n"
                           "COPY public.users (user_id, name) FROM stdin;\n"
                           "1\tada\n"
                           "\\.\n"
                           "SELECT pg_catalog.setval('ecluse.event_log_event_id_seq', 4, true);\n"
                           "SELECT pg_catalog.setval('public.users_user_id_seq', 1, true);\n"
                           "COPY ecluse.event_log (event_id) FROM stdin;\n"
                           "1\n"
                           "\\.\n"
                           "\\unrestrict abc123\n";
        DataDump dump = read(text);
        CHECK(dump.skipped == std::vector<std::string>{"ecluse.applied_revision",
                                                       "ecluse.event_log_event_id_seq",
                                                       "ecluse.event_log"});
        CHECK(dump.data_statements == 2);
        REQUIRE(dump.statements.size() == 12);
        CHECK(dump.statements[10].sql == "COPY public.users (user_id, name) FROM stdin");
        CHECK(dump.statements[10].copy_data == "1\tada\n");
        CHECK(dump.statements[10].copy_data_line == 16);
        CHECK(dump.statements[11].sql ==
              "SELECT pg_catalog.setval('public.users_user_id_seq', 1, true)");
    }

    TEST_CASE("pg_dump --inserts rows are accepted: constants, casts, arrays, DEFAULT") {
        DataDump dump =
            read("INSERT INTO public.t VALUES (1, -2.5, 'x', NULL, true, B'01', '{1}'::int[], "
                 "ARRAY[1, 2], DEFAULT);\n"
                 "INSERT INTO public.t (a, b) OVERRIDING SYSTEM VALUE VALUES (1, 2), (3, 4) ON "
                 "CONFLICT DO NOTHING;\n"
                 "INSERT INTO public.u DEFAULT VALUES;\n"
                 "INSERT INTO ecluse.applied_revision VALUES ('aaaa00000001');\n");
        CHECK(dump.data_statements == 3);
        CHECK(dump.skipped == std::vector<std::string>{"ecluse.applied_revision"});
    }

    TEST_CASE("an empty file or one of settings alone holds no data statement") {
        CHECK(read("").data_statements == 0);
        CHECK(read(k_dump_head).data_statements == 0);
        CHECK(read(k_dump_head).statements.size() == 10);
    }

    TEST_CASE("each thing a data-only dump does not hold is refused at its line, with its first "
              "words and a hint") {
        struct Case {
            std::string sql;
            std::string words;
            std::string hint_part;
        };
        std::vector<Case> cases = {
            {"COMMIT", "COMMIT", "one transaction"},
            {"BEGIN", "BEGIN", "one transaction"},
            {"ROLLBACK", "ROLLBACK", "one transaction"},
            {"DROP TABLE public.users", "DROP TABLE public.users", "belong in a revision"},
            {"DELETE FROM ecluse.applied_revision", "DELETE FROM ecluse.applied_revision",
             "belong in a revision"},
            {"CREATE ROLE intruder LOGIN SUPERUSER", "CREATE ROLE intruder LOGIN SUPERUSER",
             "data-only dump"},
            {"COPY public.users TO PROGRAM 'touch /tmp/x'",
             "COPY public.users TO PROGRAM 'touch /tmp/x'", "runs no program"},
            {"COPY public.users FROM PROGRAM 'cat /etc/passwd'",
             "COPY public.users FROM PROGRAM 'cat /etc/passwd'", "runs no program"},
            {"COPY public.users FROM '/etc/passwd'", "COPY public.users FROM '/etc/passwd'",
             "reads no file"},
            {"INSERT INTO public.users SELECT * FROM public.other",
             "INSERT INTO public.users SELECT * FROM ...", "VALUES of constants"},
            {"INSERT INTO public.users VALUES (pg_catalog.lo_export(1, '/tmp/x'))",
             "INSERT INTO public.users VALUES (pg_catalog.lo_export(1, ...", "VALUES of constants"},
            {"INSERT INTO public.users VALUES (1) RETURNING *",
             "INSERT INTO public.users VALUES (1) RETURNING ...", "VALUES of constants"},
            {"INSERT INTO public.users VALUES (1) ON CONFLICT (id) DO UPDATE SET id = 2",
             "INSERT INTO public.users VALUES (1) ON ...", "VALUES of constants"},
            {"SELECT pg_terminate_backend(1)", "SELECT pg_terminate_backend(1)", "setval"},
            {"SELECT setval('public.s', 1)", "SELECT setval('public.s', 1)",
             "write it `pg_catalog.setval(...)`"},
            {"SELECT pg_catalog.set_config('session_replication_role', 'replica', false)",
             "SELECT pg_catalog.set_config('session_replication_role', ...", "setval"},
            {"SELECT pg_catalog.setval('public.s', (SELECT 1))",
             "SELECT pg_catalog.setval('public.s', (SELECT 1))", "setval"},
            {"SET session_replication_role = replica", "SET session_replication_role = replica",
             "remove this line"},
            {"SET ROLE postgres", "SET ROLE postgres", "remove this line"},
            {"RESET ALL", "RESET ALL", "remove this line"},
            {"ALTER TABLE public.users DISABLE TRIGGER ALL",
             "ALTER TABLE public.users DISABLE TRIGGER ALL", "belong in a revision"},
            {"TRUNCATE public.users", "TRUNCATE public.users", "belong in a revision"},
        };
        for (const Case& c : cases) {
            CAPTURE(c.sql);
            InputError error =
                refusal("SET lock_timeout = 0;\nINSERT INTO public.t VALUES (1);\n\n  " + c.sql +
                        ";\nINSERT INTO public.t VALUES (2);\n");
            CHECK(error.location().to_string() == "data.sql:4:3");
            CHECK(error.bare_message() ==
                  "`" + c.words + "` is not what a data-only dump holds: nothing was loaded");
            CHECK_MESSAGE(error.hint().find(c.hint_part) != std::string::npos, error.hint());
        }
    }

    TEST_CASE("psql meta-commands other than \\restrict and \\unrestrict are refused") {
        for (std::string line : {"\\echo hello", "\\set ON_ERROR_STOP on", "\\! rm -rf /tmp/x",
                                 "\\copy public.t from '/etc/passwd'"}) {
            CAPTURE(line);
            InputError error = refusal("INSERT INTO public.t VALUES (1);\n" + line + "\n");
            CHECK(error.location().to_string() == "data.sql:2:1");
            CHECK(error.hint() == "a data-only dump holds no psql meta-command but pg_dump's "
                                  "\\restrict and \\unrestrict lines: remove this line");
        }
    }

    TEST_CASE("statements in another schema of the same name are kept: the match is exact") {
        DataDump dump = read("INSERT INTO \"Ecluse\".t VALUES (1);\nINSERT INTO t VALUES (2);\n"
                             "SELECT pg_catalog.setval('\"Ecluse\".s', 1);\n");
        CHECK(dump.skipped.empty());
        CHECK(dump.data_statements == 3);
        CHECK(sql_of(dump).size() == 3);
    }
}
