#include "script/revision_file.hpp"
#include "script/sql_splitter.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace ecluse;

namespace {

const std::string k_file = "migrations/pre/x.sql";
const std::string k_syntax_hint =
    "fix the SQL at this position; ecluse parses it with PostgreSQL 15's own parser";
const std::string k_meta_hint =
    "ecluse runs SQL, not psql: only \\echo, \\qecho, \\warn, \\timing, \\pset, \\restrict, "
    "\\unrestrict and \\set ON_ERROR_STOP|ECHO|QUIET|VERBOSITY|SHOW_CONTEXT are accepted (and "
    "ignored)";
const std::string k_copy_hint =
    "end the data block with a line holding only `\\.`, as pg_dump does";
const std::string k_copy_message =
    "the data of this `COPY ... FROM stdin` has no terminating `\\.` line";

// Splits text that starts at line `line`, column `column` of k_file.
std::vector<Statement> split(std::string_view text, int line = 1, int column = 1) {
    return split_statements(text, SourceLocation{k_file, line, column});
}

// The InputError that split_statements throws for text starting at `line`.
InputError split_error(std::string_view text, int line = 1, int column = 1) {
    try {
        split(text, line, column);
    } catch (const InputError& error) {
        return error;
    }
    FAIL("split_statements did not throw for:\n" << text);
    throw std::logic_error("unreachable");
}

std::vector<std::string> sql_of(const std::vector<Statement>& statements) {
    std::vector<std::string> sql;
    for (const auto& statement : statements) {
        sql.push_back(statement.sql);
    }
    return sql;
}

// "line:column" of each statement.
std::vector<std::string> places_of(const std::vector<Statement>& statements) {
    std::vector<std::string> places;
    for (const auto& statement : statements) {
        CHECK(statement.location.file == k_file);
        places.push_back(std::to_string(statement.location.line) + ":" +
                         std::to_string(statement.location.column));
    }
    return places;
}

using Strings = std::vector<std::string>;

} // namespace

// Lets doctest print the lists that CHECKs compare.
template <>
struct doctest::StringMaker<Strings> {
    static doctest::String convert(const Strings& strings) {
        std::string out = "{";
        for (const auto& text : strings) {
            out += (out.size() > 1 ? ", " : "") + quote_value(text);
        }
        return (out + "}").c_str();
    }
};

TEST_SUITE("sql_splitter") {

    TEST_CASE("statements are split at semicolons and located at their first token") {
        auto statements = split("SELECT 1;\n  SELECT 2; SELECT 3;\n\n\tSELECT\n  4;\n");
        CHECK(sql_of(statements) == Strings{"SELECT 1", "SELECT 2", "SELECT 3", "SELECT\n  4"});
        CHECK(places_of(statements) == Strings{"1:1", "2:3", "2:13", "4:2"});
        for (const auto& statement : statements) {
            CHECK_FALSE(statement.copy_data.has_value());
        }
    }

    TEST_CASE("locations are in the file: a section's text starts at a file line") {
        auto statements = split("\nCREATE TABLE t (id int);\n\nDROP TABLE u;\n", 9);
        CHECK(sql_of(statements) == Strings{"CREATE TABLE t (id int)", "DROP TABLE u"});
        CHECK(places_of(statements) == Strings{"10:1", "12:1"});
    }

    TEST_CASE("a start column shifts only the first line") {
        auto statements = split("SELECT 1; SELECT 2;\nSELECT 3;", 3, 5);
        CHECK(places_of(statements) == Strings{"3:5", "3:15", "4:1"});
    }

    TEST_CASE("a start of line 0 or column 0 counts as 1") {
        auto statements = split_statements("SELECT 1;", SourceLocation{k_file, 0, 0});
        CHECK(places_of(statements) == Strings{"1:1"});
    }

    TEST_CASE("empty text, blank text and comments alone hold no statement") {
        CHECK(split("").empty());
        CHECK(split("  \n\t\n").empty());
        CHECK(split("-- nothing to do\n/* really /* nothing */ */\n;\n;").empty());
    }

    TEST_CASE("comments before and after a statement are not part of it") {
        auto statements =
            split("-- adds a column\n/* block\n   comment */ ALTER TABLE t ADD c int; "
                  "-- why\nSELECT 1 /* c */ ;  -- x\nSELECT 2 -- no semicolon");
        CHECK(sql_of(statements) == Strings{"ALTER TABLE t ADD c int", "SELECT 1", "SELECT 2"});
        CHECK(places_of(statements) == Strings{"3:15", "4:1", "5:1"});
    }

    TEST_CASE("comments inside a statement are kept") {
        auto statements = split("SELECT 1, -- one; two\n 2 /* ; */;");
        CHECK(sql_of(statements) == Strings{"SELECT 1, -- one; two\n 2"});
    }

    TEST_CASE("multibyte characters count as one column") {
        auto statements = split("/* café */ SELECT 'é'; SELECT 2;");
        CHECK(places_of(statements) == Strings{"1:12", "1:24"});
    }

    TEST_CASE("CRLF line endings give the same lines and columns") {
        auto statements = split("SELECT 1;\r\n  SELECT 2;\r\nSELECT\r\n3;\r\n");
        CHECK(places_of(statements) == Strings{"1:1", "2:3", "3:1"});
        CHECK(statements[2].sql == "SELECT\r\n3");
    }

    TEST_CASE("every statement of a long text is located at its own line and column") {
        // Statements of one, two and three lines, COPY blocks and comments,
        // each place computed while writing the text.
        std::string text;
        Strings expected_places;
        Strings expected_sql;
        int line = 1;
        for (int i = 0; i < 3000; ++i) {
            std::string n = std::to_string(i);
            switch (i % 4) {
            case 0:
                expected_places.push_back(std::to_string(line) + ":1");
                expected_sql.push_back("INSERT INTO t VALUES (" + n + ")");
                text += "INSERT INTO t VALUES (" + n + ");\n";
                line += 1;
                break;
            case 1:
                expected_places.push_back(std::to_string(line) + ":3");
                expected_sql.push_back("SELECT\n 'é" + n + "'");
                text += "  SELECT\n 'é" + n + "';\n";
                line += 2;
                break;
            case 2:
                expected_places.push_back(std::to_string(line + 1) + ":1");
                expected_sql.push_back("COPY t (a) FROM stdin");
                text += "-- rows\nCOPY t (a) FROM stdin;\n" + n + "\n\\.\n";
                line += 4;
                break;
            default:
                expected_places.push_back(std::to_string(line + 1) + ":6");
                expected_sql.push_back("SELECT " + n);
                text += "/* a\nb */ SELECT " + n + ";\n";
                line += 2;
                break;
            }
        }
        auto statements = split(text);
        CHECK(sql_of(statements) == expected_sql);
        CHECK(places_of(statements) == expected_places);
    }

    TEST_CASE("a text longer than the parser's window splits the same, cut inside a BEGIN "
              "ATOMIC body or not") {
        // About 1.6 MiB of functions whose bodies hold ten `;` each: the
        // first cut after 1 MiB falls inside a body.
        std::string text;
        Strings expected_places;
        int line = 1;
        int count = 0;
        while (text.size() < 1600 * 1024) {
            expected_places.push_back(std::to_string(line) + ":1");
            text += "CREATE FUNCTION f_" + std::to_string(count++) +
                    "() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n";
            for (int i = 0; i < 10; ++i) {
                text += "  SELECT " + std::to_string(i) + ";\n";
            }
            text += "END;\n";
            line += 13;
        }
        std::size_t cut = text.find(';', 1024 * 1024 - 1);
        REQUIRE(text.compare(cut + 1, 9, "\n  SELECT") == 0);
        auto statements = split(text);
        CHECK(statements.size() == static_cast<std::size_t>(count));
        CHECK(places_of(statements) == expected_places);
        CHECK(statements.back().sql.substr(statements.back().sql.size() - 15) ==
              "  SELECT 9;\nEND");

        // A syntax error in the last window, and one in the first, are
        // reported at their own lines.
        InputError late = split_error(text + "SELEC 1;\n");
        CHECK(late.location().line == line);
        InputError early = split_error("SELEC 1;\n" + text);
        CHECK(early.location().line == 1);
    }

} // TEST_SUITE("sql_splitter")

TEST_SUITE("sql_splitter quoting") {

    TEST_CASE("semicolons and comment marks inside string literals do not split") {
        auto statements =
            split("INSERT INTO t VALUES ('a;b', '-- no', '/* no', 'it''s;');\nSELECT 2;");
        CHECK(sql_of(statements) ==
              Strings{"INSERT INTO t VALUES ('a;b', '-- no', '/* no', 'it''s;')", "SELECT 2"});
        CHECK(places_of(statements) == Strings{"1:1", "2:1"});
    }

    TEST_CASE("E'' strings take backslash escapes, standard strings do not") {
        auto statements = split("SELECT E'it\\'s; fine', e'\\\\';\nSELECT 'C:\\';\nSELECT 3;");
        CHECK(sql_of(statements) ==
              Strings{"SELECT E'it\\'s; fine', e'\\\\'", "SELECT 'C:\\'", "SELECT 3"});
        CHECK(places_of(statements) == Strings{"1:1", "2:1", "3:1"});
    }

    TEST_CASE("backslashes in strings, identifiers and comments are not meta-commands") {
        auto statements = split("SELECT 'a\\i b', E'\\c', \"x\\gexec\" /* \\copy */; -- \\connect\n"
                                "SELECT $$ \\i $$;");
        CHECK(sql_of(statements) ==
              Strings{"SELECT 'a\\i b', E'\\c', \"x\\gexec\"", "SELECT $$ \\i $$"});
    }

    TEST_CASE("quoted identifiers may hold semicolons and doubled quotes") {
        auto statements = split("CREATE TABLE \"a;b\" (\"say \"\"hi\"\";\" int);\nSELECT 2;");
        CHECK(sql_of(statements) ==
              Strings{"CREATE TABLE \"a;b\" (\"say \"\"hi\"\";\" int)", "SELECT 2"});
        CHECK(places_of(statements) == Strings{"1:1", "2:1"});
    }

    TEST_CASE("dollar quotes with and without tags hold semicolons and other dollar quotes") {
        std::string text = "SELECT $$a;b$$;\n"
                           "SELECT $fn$ x; $$ y; $$ $fn$;\n"
                           "SELECT $_1$;$_1$, $1 FROM t;\n";
        auto statements = split(text);
        CHECK(sql_of(statements) == Strings{"SELECT $$a;b$$", "SELECT $fn$ x; $$ y; $$ $fn$",
                                            "SELECT $_1$;$_1$, $1 FROM t"});
        CHECK(places_of(statements) == Strings{"1:1", "2:1", "3:1"});
    }

    TEST_CASE("a DO block is one statement") {
        std::string text =
            "DO $$\nBEGIN\n  RAISE NOTICE 'a;b';\n  PERFORM 1;\nEND\n$$;\nSELECT 1;\n";
        auto statements = split(text, 20);
        CHECK(sql_of(statements) ==
              Strings{"DO $$\nBEGIN\n  RAISE NOTICE 'a;b';\n  PERFORM 1;\nEND\n$$", "SELECT 1"});
        CHECK(places_of(statements) == Strings{"20:1", "26:1"});
    }

    TEST_CASE("a CREATE FUNCTION body is one statement") {
        std::string body = "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $body$\n"
                           "BEGIN\n"
                           "  NEW.updated_at := now(); -- stamp;\n"
                           "  RETURN NEW;\n"
                           "END\n"
                           "$body$";
        auto statements = split(body + ";\nCREATE TRIGGER t BEFORE UPDATE ON t FOR EACH ROW "
                                       "EXECUTE FUNCTION touch();\n");
        REQUIRE(statements.size() == 2);
        CHECK(statements[0].sql == body);
        CHECK(places_of(statements) == Strings{"1:1", "7:1"});
    }

    TEST_CASE("CREATE RULE with several actions in parentheses is one statement") {
        auto statements =
            split("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u VALUES (1); "
                  "DELETE FROM v);\nSELECT 1;");
        CHECK(sql_of(statements) ==
              Strings{"CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO u "
                      "VALUES (1); DELETE FROM v)",
                      "SELECT 1"});
        CHECK(places_of(statements) == Strings{"1:1", "2:1"});
    }

    TEST_CASE("a BEGIN ATOMIC body is one statement") {
        std::string function = "CREATE FUNCTION total(b int) RETURNS numeric LANGUAGE sql\n"
                               "BEGIN ATOMIC\n"
                               "  SELECT 1;\n"
                               "  SELECT sum(amount) FROM booking WHERE id = b;\n"
                               "END";
        auto statements = split(function + ";\nSELECT total(1);\n");
        CHECK(sql_of(statements) == Strings{function, "SELECT total(1)"});
        CHECK(places_of(statements) == Strings{"1:1", "6:1"});
    }

} // TEST_SUITE("sql_splitter quoting")

TEST_SUITE("sql_splitter COPY") {

    TEST_CASE("COPY FROM stdin takes the following lines up to \\. as its data") {
        std::string text = "COPY t (a,b) FROM stdin;\n"
                           "1\tx\n"
                           "2\ty\n"
                           "\\.\n"
                           "SELECT 1;\n";
        auto statements = split(text, 4);
        CHECK(sql_of(statements) == Strings{"COPY t (a,b) FROM stdin", "SELECT 1"});
        CHECK(places_of(statements) == Strings{"4:1", "8:1"});
        REQUIRE(statements[0].copy_data.has_value());
        CHECK(*statements[0].copy_data == "1\tx\n2\ty\n");
        CHECK_FALSE(statements[1].copy_data.has_value());
    }

    TEST_CASE("COPY data may hold semicolons, quotes, backslashes and SQL-looking lines") {
        std::string data = "1\ta;b\tit's\n"
                           "2\t\"q;\"\t\\N\n"
                           "3\tback\\\\slash\\ttab\t\\.x\n"
                           "-- not a comment\n"
                           "\\i not a meta-command\n"
                           "$$ not a quote\n"
                           "/* not a comment\n"
                           " \\.\n";
        std::string text = "COPY t FROM STDIN;\n" + data + "\\.\nSELECT ';';\n";
        auto statements = split(text);
        REQUIRE(statements.size() == 2);
        CHECK(*statements[0].copy_data == data);
        CHECK(statements[1].sql == "SELECT ';'");
        CHECK(places_of(statements) == Strings{"1:1", "11:1"});
    }

    TEST_CASE("several COPY blocks, empty ones too, are each read") {
        std::string text = "COPY a FROM stdin;\n1\n\\.\n"
                           "COPY b FROM stdin;\n\\.\n"
                           "\n"
                           "COPY c (x) FROM stdin WITH (FORMAT csv);\n\"a;b\",1\n\\.";
        auto statements = split(text);
        CHECK(sql_of(statements) == Strings{"COPY a FROM stdin", "COPY b FROM stdin",
                                            "COPY c (x) FROM stdin WITH (FORMAT csv)"});
        CHECK(places_of(statements) == Strings{"1:1", "4:1", "7:1"});
        CHECK(*statements[0].copy_data == "1\n");
        CHECK(*statements[1].copy_data == "");
        CHECK(*statements[2].copy_data == "\"a;b\",1\n");
    }

    TEST_CASE("a COPY after other statements on its chunk keeps their order and places") {
        auto statements =
            split("SELECT 1; SELECT 2;\ncopy t from stdin;\n1\n\\.\nSELECT 3; SELECT 4;");
        CHECK(sql_of(statements) ==
              Strings{"SELECT 1", "SELECT 2", "copy t from stdin", "SELECT 3", "SELECT 4"});
        CHECK(places_of(statements) == Strings{"1:1", "1:11", "2:1", "5:1", "5:11"});
        CHECK(*statements[2].copy_data == "1\n");
    }

    TEST_CASE("COPY data in a CRLF file drops the CR of each line") {
        auto statements = split("COPY t FROM stdin;\r\n1\ta\r\n2\tb\r\n\\.\r\nSELECT 1;\r\n");
        REQUIRE(statements.size() == 2);
        CHECK(*statements[0].copy_data == "1\ta\n2\tb\n");
        CHECK(places_of(statements) == Strings{"1:1", "5:1"});
    }

    TEST_CASE("COPY data without \\. is an error at the COPY") {
        InputError error = split_error("SELECT 1;\n  COPY t FROM stdin;\n1\n2\n", 7);
        CHECK(error.location().file == k_file);
        CHECK(error.location().line == 8);
        CHECK(error.location().column == 3);
        CHECK(error.bare_message() == k_copy_message);
        CHECK(error.hint() == k_copy_hint);
        CHECK(error.exit_code() == 2);

        InputError at_end = split_error("COPY t FROM stdin;");
        CHECK(at_end.location().line == 1);
        CHECK(at_end.location().column == 1);
        CHECK(at_end.bare_message() == k_copy_message);

        InputError second =
            split_error("COPY a FROM stdin;\n\\.\n-- next\nCOPY b FROM stdin;\n1\n");
        CHECK(second.location().line == 4);
        CHECK(second.location().column == 1);
    }

    TEST_CASE("a \\. with other text on its line does not end the data") {
        InputError error = split_error("COPY t FROM stdin;\n\\. \n\\.x\n");
        CHECK(error.location().line == 1);
        CHECK(error.bare_message() == k_copy_message);
    }

    TEST_CASE("COPY TO stdout and COPY FROM a file or program have no data block") {
        auto statements =
            split("COPY t TO stdout;\nCOPY t FROM '/tmp/t.csv';\n"
                  "COPY t FROM PROGRAM 'cat x';\nCOPY (SELECT 1) TO STDOUT;\nSELECT 1;");
        CHECK(sql_of(statements) == Strings{"COPY t TO stdout", "COPY t FROM '/tmp/t.csv'",
                                            "COPY t FROM PROGRAM 'cat x'",
                                            "COPY (SELECT 1) TO STDOUT", "SELECT 1"});
        for (const auto& statement : statements) {
            CHECK_FALSE(statement.copy_data.has_value());
        }
    }

    TEST_CASE("words that start with copy are not COPY") {
        CHECK(split_error("copyx FROM stdin;\n1\n\\.\n").bare_message() ==
              "syntax error at or near \"copyx\"");
        CHECK(split_error("SELECT 1 AS copy;\ncopy_stuff();\n").location().line == 2);
    }

    TEST_CASE("pg_dump --data-only output splits into its statements and COPY blocks") {
        // pg_dump 15.20's output, with \restrict and \unrestrict.
        std::string dump =
            "--\n"
            "-- PostgreSQL database dump\n"
            "--\n"
            "\n"
            "\\restrict Tj1i9JT7HhHHAn3AAUMksNE14sziLBKmyQXsEUaTzjJz4vftpXZnSpZrPlSGPel\n"
            "\n"
            "-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)\n"
            "-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)\n"
            "\n"
            "SET statement_timeout = 0;\n"
            "SET lock_timeout = 0;\n"
            "SET idle_in_transaction_session_timeout = 0;\n"
            "SET client_encoding = 'UTF8';\n"
            "SET standard_conforming_strings = on;\n"
            "SELECT pg_catalog.set_config('search_path', '', false);\n"
            "SET check_function_bodies = false;\n"
            "SET xmloption = content;\n"
            "SET client_min_messages = warning;\n"
            "SET row_security = off;\n"
            "\n"
            "--\n"
            "-- Data for Name: Odd Name; Type: TABLE DATA; Schema: public; Owner: postgres\n"
            "--\n"
            "\n"
            "COPY public.\"Odd Name\" (\"x y\") FROM stdin;\n"
            "1\n"
            "\\.\n"
            "\n"
            "\n"
            "--\n"
            "-- Data for Name: booking; Type: TABLE DATA; Schema: public; Owner: postgres\n"
            "--\n"
            "\n"
            "COPY public.booking (id, label, amount, note) FROM stdin;\n"
            "1\ta;b\t10.50\tit's \\\\ back\\ttab\\nnewline\n"
            "2\tquote\"d\t\\N\t\xC3\xA9\n"
            "\\.\n"
            "\n"
            "\n"
            "--\n"
            "-- Name: booking_id_seq; Type: SEQUENCE SET; Schema: public; Owner: postgres\n"
            "--\n"
            "\n"
            "SELECT pg_catalog.setval('public.booking_id_seq', 2, true);\n"
            "\n"
            "\n"
            "--\n"
            "-- PostgreSQL database dump complete\n"
            "--\n"
            "\n"
            "\\unrestrict Tj1i9JT7HhHHAn3AAUMksNE14sziLBKmyQXsEUaTzjJz4vftpXZnSpZrPlSGPel\n"
            "\n";
        auto statements = split(dump);
        CHECK(sql_of(statements) ==
              Strings{
                  "SET statement_timeout = 0",
                  "SET lock_timeout = 0",
                  "SET idle_in_transaction_session_timeout = 0",
                  "SET client_encoding = 'UTF8'",
                  "SET standard_conforming_strings = on",
                  "SELECT pg_catalog.set_config('search_path', '', false)",
                  "SET check_function_bodies = false",
                  "SET xmloption = content",
                  "SET client_min_messages = warning",
                  "SET row_security = off",
                  "COPY public.\"Odd Name\" (\"x y\") FROM stdin",
                  "COPY public.booking (id, label, amount, note) FROM stdin",
                  "SELECT pg_catalog.setval('public.booking_id_seq', 2, true)",
              });
        CHECK(places_of(statements) == Strings{"10:1", "11:1", "12:1", "13:1", "14:1", "15:1",
                                               "16:1", "17:1", "18:1", "19:1", "25:1", "34:1",
                                               "44:1"});
        CHECK(*statements[10].copy_data == "1\n");
        CHECK(*statements[11].copy_data == "1\ta;b\t10.50\tit's \\\\ back\\ttab\\nnewline\n"
                                           "2\tquote\"d\t\\N\t\xC3\xA9\n");
    }

    TEST_CASE("INSERT-style dumps split into their statements") {
        auto statements = split("INSERT INTO public.t VALUES (1, 'a;b', E'x\\'y');\n"
                                "INSERT INTO public.t VALUES (2, 'it''s', NULL);\n");
        CHECK(sql_of(statements) == Strings{"INSERT INTO public.t VALUES (1, 'a;b', E'x\\'y')",
                                            "INSERT INTO public.t VALUES (2, 'it''s', NULL)"});
    }

    TEST_CASE("a COPY block knows the file line of its first data line") {
        auto statements = split("SELECT 1;\nCOPY t (a)\n  FROM stdin;\n1\n2\n\\.\n"
                                "COPY u FROM stdin;\n\\.\nSELECT 2;\n",
                                10);
        REQUIRE(statements.size() == 4);
        CHECK(statements[0].copy_data_line == 0);
        CHECK(statements[1].copy_data_line == 13);
        CHECK(statements[2].copy_data_line == 17);
        CHECK(statements[3].copy_data_line == 0);
    }

    TEST_CASE("with MetaCommands::dump_markers only \\restrict and \\unrestrict are accepted") {
        auto statements =
            split_statements("\\restrict k\nSELECT 1;\n\\unrestrict k\n",
                             SourceLocation{k_file, 1, 1}, MetaCommands::dump_markers);
        CHECK(sql_of(statements) == Strings{"SELECT 1"});
        CHECK_THROWS_AS(split_statements("\\echo hi\nSELECT 1;\n", SourceLocation{k_file, 1, 1},
                                         MetaCommands::dump_markers),
                        InputError);
        CHECK(split("\\echo hi\nSELECT 1;\n").size() == 1);
    }

} // TEST_SUITE("sql_splitter COPY")

TEST_SUITE("sql_splitter meta-commands") {

    TEST_CASE("harmless psql meta-commands are ignored") {
        auto statements = split("\\set ON_ERROR_STOP on\n"
                                "\\echo creating t\n"
                                "CREATE TABLE t (a int);\n"
                                "\\qecho done\n"
                                "\\warn careful\n"
                                "\\timing on\n"
                                "\\pset pager off\n"
                                "\\set VERBOSITY verbose\n"
                                "\\unset ECHO\n"
                                "SELECT 1;\n");
        CHECK(sql_of(statements) == Strings{"CREATE TABLE t (a int)", "SELECT 1"});
        CHECK(places_of(statements) == Strings{"3:1", "10:1"});
    }

    TEST_CASE("a harmless meta-command inside a statement is blanked out") {
        auto statements = split("SELECT\n\\echo between\n1;");
        CHECK(statements.size() == 1);
        CHECK(statements[0].sql == "SELECT\n             \n1");
    }

    TEST_CASE("a COPY right after a harmless meta-command still reads its data") {
        auto statements = split("\\set ON_ERROR_STOP on\nCOPY t FROM stdin;\n1\n\\.\nSELECT 1;\n");
        CHECK(sql_of(statements) == Strings{"COPY t FROM stdin", "SELECT 1"});
        CHECK(places_of(statements) == Strings{"2:1", "5:1"});
        REQUIRE(statements[0].copy_data.has_value());
        CHECK(*statements[0].copy_data == "1\n");

        InputError error = split_error("\\echo loading\n  COPY t FROM stdin;\n1\n");
        CHECK(error.location().line == 2);
        CHECK(error.location().column == 3);
        CHECK(error.bare_message() == k_copy_message);
    }

    TEST_CASE("other meta-commands are refused at their line and column with a hint") {
        struct Case {
            std::string text;
            int line;
            int column;
            std::string message;
            std::string hint;
        };
        std::string include_hint =
            "ecluse runs each revision file on its own: put the included SQL in the revision";
        std::string connect_hint =
            "a revision runs on the database ecluse was given (-d): it cannot switch databases";
        std::string copy_hint =
            "use SQL `COPY ... FROM stdin` followed by the data and a `\\.` line";
        for (const Case& c : std::vector<Case>{
                 {"\\i other.sql\n", 1, 1, "psql meta-command `\\i` is not supported",
                  include_hint},
                 {"SELECT 1;\n\\ir other.sql\n", 2, 1, "psql meta-command `\\ir` is not supported",
                  include_hint},
                 {"SELECT 1; \\include x.sql\n", 1, 11,
                  "psql meta-command `\\include` is not supported", include_hint},
                 {"\\c other_db\n", 1, 1, "psql meta-command `\\c` is not supported", connect_hint},
                 {"SELECT 1;\n\n  \\connect other_db\n", 3, 3,
                  "psql meta-command `\\connect` is not supported", connect_hint},
                 {"SELECT format('SELECT %s', 1)\n\\gexec\n", 2, 1,
                  "psql meta-command `\\gexec` is not supported", k_meta_hint},
                 {"SELECT 1 \\g\n", 1, 10, "psql meta-command `\\g` is not supported", k_meta_hint},
                 {"\\copy t FROM 'data.csv'\n", 1, 1, "psql meta-command `\\copy` is not supported",
                  copy_hint},
                 {"\\set foo bar\nSELECT :'foo';\n", 1, 1,
                  "psql meta-command `\\set` is not supported", k_meta_hint},
                 {"/* é */ SELECT 'é'; \\i x\n", 1, 21, "psql meta-command `\\i` is not supported",
                  include_hint},
             }) {
            CAPTURE(c.text);
            InputError error = split_error(c.text, 30);
            CHECK(error.location().file == k_file);
            CHECK(error.location().line == 29 + c.line);
            CHECK(error.location().column == c.column);
            CHECK(error.bare_message() == c.message);
            CHECK(error.hint() == c.hint);
            CHECK(error.exit_code() == 2);
        }
    }

    TEST_CASE("a refused meta-command after a COPY block is located in the file") {
        InputError error = split_error("COPY t FROM stdin;\n\\i data\n\\.\nSELECT 1;\n\\c db\n", 5);
        CHECK(error.location().line == 9);
        CHECK(error.location().column == 1);
        CHECK(error.bare_message() == "psql meta-command `\\c` is not supported");
    }

} // TEST_SUITE("sql_splitter meta-commands")

TEST_SUITE("sql_splitter syntax errors") {

    TEST_CASE("a syntax error carries PostgreSQL's message at the file's line and column") {
        InputError error = split_error("SELECT 1;\nSELECT 2;\n  SELEC 3;\n", 12);
        CHECK(error.location().file == k_file);
        CHECK(error.location().line == 14);
        CHECK(error.location().column == 3);
        CHECK(error.bare_message() == "syntax error at or near \"SELEC\"");
        CHECK(error.hint() == k_syntax_hint);
        CHECK(std::string(error.what()) == k_file + ":14:3: syntax error at or near \"SELEC\"");
        CHECK(error.exit_code() == 2);
    }

    TEST_CASE("a syntax error in the first statement is located too") {
        InputError error = split_error("CREATE TABLE t (id int,);\n");
        CHECK(error.location().line == 1);
        CHECK(error.location().column == 24);
        CHECK(error.bare_message() == "syntax error at or near \")\"");
    }

    TEST_CASE("a syntax error column counts characters, not bytes, before it on its line") {
        InputError error = split_error("SELECT 1;\nSELECT 'été', '日本' FRM x;\n");
        CHECK(error.location().line == 2);
        CHECK(error.location().column == 24);
        CHECK(error.bare_message() == "syntax error at or near \"x\"");

        InputError emoji = split_error("SELECT '😀😀' '😀' x y;");
        CHECK(emoji.location().line == 1);
        CHECK(emoji.bare_message() == "syntax error at or near \"'😀'\"");
        CHECK(emoji.location().column == 13);
    }

    TEST_CASE("a syntax error on the first line respects the start column") {
        InputError error = split_error("SELECT 1 2;", 4, 10);
        CHECK(error.location().line == 4);
        CHECK(error.location().column == 19);
        CHECK(error.bare_message() == "syntax error at or near \"2\"");
    }

    TEST_CASE("a syntax error after a COPY block is located in the file") {
        InputError error =
            split_error("COPY t FROM stdin;\n1;x\n\\.\nSELECT 1;\nSELECT FROM WHERE;\n", 3);
        CHECK(error.location().line == 7);
        CHECK(error.location().column == 13);
        CHECK(error.bare_message() == "syntax error at or near \"WHERE\"");
    }

    TEST_CASE("a COPY with a typo is a syntax error, not a meta-command error in its data") {
        InputError error = split_error("SELECT 1;\nCOPY t FRM stdin;\n1\t\\N\n\\.\n");
        CHECK(error.location().line == 2);
        CHECK(error.location().column == 8);
        CHECK(error.bare_message() == "syntax error at or near \"FRM\"");
    }

    TEST_CASE("a syntax error before a COPY is reported before its data is read") {
        InputError error = split_error("SELEC 1;\nCOPY t FROM stdin;\n1\n\\.\n");
        CHECK(error.location().line == 1);
        CHECK(error.location().column == 1);
        CHECK(error.bare_message() == "syntax error at or near \"SELEC\"");
    }

    TEST_CASE("an unterminated string or statement is reported") {
        InputError string = split_error("SELECT 1;\nSELECT 'abc;\n");
        CHECK(string.location().line == 2);
        CHECK(string.location().column == 8);
        CHECK(string.bare_message() == "unterminated quoted string at or near \"'abc;\n\"");

        InputError end = split_error("CREATE TABLE t (\n  id int\n");
        CHECK(end.bare_message() == "syntax error at end of input");
        CHECK(end.location().line == 2);
        CHECK(end.location().column == 9);

        InputError end_after_comment = split_error("SELECT 1;\nSELECT (1 -- one\n\n", 4);
        CHECK(end_after_comment.bare_message() == "syntax error at end of input");
        CHECK(end_after_comment.location().line == 5);
        CHECK(end_after_comment.location().column == 10);

        InputError comment = split_error("SELECT 1; /* never closed\n");
        CHECK(comment.bare_message() == "unterminated /* comment at or near \"/* never closed\n\"");
        CHECK(comment.location().line == 1);
        CHECK(comment.location().column == 11);

        InputError dollar = split_error("DO $$ BEGIN NULL; END;\n");
        CHECK(dollar.bare_message() ==
              "unterminated dollar-quoted string at or near \"$$ BEGIN NULL; "
              "END;\n\"");
        CHECK(dollar.location().column == 4);
    }

    TEST_CASE("a syntax error in a CRLF text is located on the right line") {
        InputError error = split_error("SELECT 1;\r\nSELECT 2;\r\n SELEC 3;\r\n");
        CHECK(error.location().line == 3);
        CHECK(error.location().column == 2);
    }

} // TEST_SUITE("sql_splitter syntax errors")

TEST_SUITE("sql_splitter sections") {

    TEST_CASE("split_section locates statements in the revision file") {
        std::string content = "-- revision: a1b2c3d4e5f6\n"
                              "-- down_revision: none\n"
                              "\n"
                              "-- ecluse:upgrade\n"
                              "CREATE TABLE t (id int);\n"
                              "\n"
                              "  CREATE INDEX i ON t (id);\n"
                              "-- ecluse:downgrade\n"
                              "DROP TABLE t;\n";
        RevisionFile revision = parse_revision_file(content, k_file, Branch::pre);
        auto upgrade = split_section(revision, revision.upgrade);
        CHECK(sql_of(upgrade) == Strings{"CREATE TABLE t (id int)", "CREATE INDEX i ON t (id)"});
        CHECK(places_of(upgrade) == Strings{"5:1", "7:3"});
        auto downgrade = split_section(revision, revision.downgrade);
        CHECK(sql_of(downgrade) == Strings{"DROP TABLE t"});
        CHECK(places_of(downgrade) == Strings{"9:1"});
    }

    TEST_CASE("split_section of an absent section has no statement") {
        RevisionFile revision = parse_revision_file(
            "-- revision: a1b2c3d4e5f6\n-- down_revision: none\n-- ecluse:upgrade\nSELECT 1;\n",
            k_file, Branch::pre);
        CHECK(split_section(revision, revision.downgrade).empty());
    }

    TEST_CASE("split_section reports a syntax error at the revision file's line") {
        RevisionFile revision =
            parse_revision_file("-- revision: a1b2c3d4e5f6\n-- down_revision: none\n\n"
                                "-- ecluse:upgrade\nALTER TABLE t ADD COLUM x int;\n",
                                k_file, Branch::pre);
        try {
            split_section(revision, revision.upgrade);
            FAIL("split_section did not throw");
        } catch (const InputError& error) {
            CHECK(error.location().file == k_file);
            CHECK(error.location().line == 5);
            CHECK(error.location().column == 27);
            CHECK(error.bare_message() == "syntax error at or near \"int\"");
        }
    }

} // TEST_SUITE("sql_splitter sections")
