#include "script/project.hpp"
#include "script/revision_file.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

using namespace ecluse;

namespace {

const std::string k_path = "migrations/pre/20261122T143000_a1b2c3d4e5f6_add_booking_amount.sql";

// The example of docs/revision-files.md, line numbers on the right.
const std::string k_example = "-- revision: a1b2c3d4e5f6\n"                            // 1
                              "-- down_revision: 7e6d5c4b3a21\n"                       // 2
                              "-- depends_on: 93ab11f0c2de\n"                          // 3
                              "-- message: add booking amount\n"                       // 4
                              "-- created: 2026-11-22T14:30:00Z\n"                     // 5
                              "-- transaction: per-migration\n"                        // 6
                              "\n"                                                     // 7
                              "-- ecluse:upgrade\n"                                    // 8
                              "ALTER TABLE booking ADD COLUMN amount numeric(10,2);\n" // 9
                              "\n"                                                     // 10
                              "-- ecluse:downgrade\n"                                  // 11
                              "ALTER TABLE booking DROP COLUMN amount;\n";             // 12

const std::string k_minimal_header = "-- revision: a1b2c3d4e5f6\n"
                                     "-- down_revision: none\n";

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
    return text;
}

RevisionFile parse(std::string_view content) {
    return parse_revision_file(content, k_path, Branch::pre);
}

// The InputError that parse_revision_file throws for `content`.
InputError parse_error(std::string_view content) {
    try {
        parse(content);
    } catch (const InputError& error) {
        return error;
    }
    FAIL("parse_revision_file did not throw for:\n" << content);
    throw std::logic_error("unreachable");
}

// The error of k_example with one line replaced (1-based).
InputError error_with_line(int line, std::string_view replacement) {
    std::vector<std::string_view> lines = split_lines(k_example);
    std::string content;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        content += static_cast<int>(i + 1) == line ? replacement : lines[i];
        content += '\n';
    }
    return parse_error(content);
}

} // namespace

TEST_SUITE("revision_file") {

    TEST_CASE("the documented example parses into its values") {
        RevisionFile revision = parse_revision_file(k_example, k_path, Branch::post);
        CHECK(revision.path == k_path);
        CHECK(revision.branch == Branch::post);
        CHECK(revision.revision == "a1b2c3d4e5f6");
        CHECK(revision.down_revision == "7e6d5c4b3a21");
        CHECK(revision.depends_on == std::vector<std::string>{"93ab11f0c2de"});
        CHECK(revision.message == "add booking amount");
        CHECK(revision.created == "2026-11-22T14:30:00Z");
        CHECK(revision.transaction == TransactionMode::per_migration);
        CHECK_FALSE(revision.lock_timeout.has_value());
        CHECK_FALSE(revision.statement_timeout.has_value());
        CHECK(revision.revision_line == 1);
        CHECK(revision.down_revision_line == 2);
        CHECK(revision.depends_on_line == 3);
    }

    TEST_CASE("sections hold their lines and the file line they start on") {
        RevisionFile revision = parse(k_example);
        CHECK(revision.upgrade.present);
        CHECK(revision.upgrade.first_line == 9);
        CHECK(revision.upgrade.text == "ALTER TABLE booking ADD COLUMN amount numeric(10,2);\n\n");
        CHECK(revision.downgrade.present);
        CHECK(revision.downgrade.first_line == 12);
        CHECK(revision.downgrade.text == "ALTER TABLE booking DROP COLUMN amount;\n");
    }

    TEST_CASE("a file without downgrade section has an absent downgrade") {
        RevisionFile revision = parse(k_minimal_header + "\n-- ecluse:upgrade\nSELECT 1;\n");
        CHECK(revision.upgrade.first_line == 5);
        CHECK(revision.upgrade.text == "SELECT 1;\n");
        CHECK_FALSE(revision.downgrade.present);
        CHECK(revision.downgrade.first_line == 0);
        CHECK(revision.downgrade.text == "");
    }

    TEST_CASE("empty sections start on the line after their marker") {
        RevisionFile revision =
            parse(k_minimal_header + "\n-- ecluse:upgrade\n-- ecluse:downgrade");
        CHECK(revision.upgrade.present);
        CHECK(revision.upgrade.text == "");
        CHECK(revision.upgrade.first_line == 5);
        CHECK(revision.downgrade.present);
        CHECK(revision.downgrade.text == "");
        CHECK(revision.downgrade.first_line == 6);
    }

    TEST_CASE("down_revision none marks the first revision of a branch") {
        RevisionFile revision = parse(k_minimal_header + "\n-- ecluse:upgrade\n");
        CHECK_FALSE(revision.down_revision.has_value());
        CHECK(revision.down_revision_line == 2);
        CHECK(revision.depends_on.empty());
        CHECK(revision.depends_on_line == 0);
        CHECK(revision.message == "");
        CHECK(revision.created == "");
    }

    TEST_CASE("optional keys are read: several depends_on, transaction none, timeouts") {
        RevisionFile revision =
            parse(k_minimal_header + "-- depends_on: 93ab11f0c2de,0c9d8e7f6a5b ,  111111111111\n"
                                     "-- transaction: none\n"
                                     "-- lock_timeout: 10s\n"
                                     "-- statement_timeout: 5 min\n"
                                     "\n-- ecluse:upgrade\nSELECT 1;\n");
        CHECK(revision.depends_on ==
              std::vector<std::string>{"93ab11f0c2de", "0c9d8e7f6a5b", "111111111111"});
        CHECK(revision.depends_on_line == 3);
        CHECK(revision.transaction == TransactionMode::none);
        CHECK(revision.lock_timeout == Duration::parse("10s"));
        CHECK(revision.statement_timeout == Duration::parse("5min"));
    }

    TEST_CASE("every PostgreSQL time unit is a valid timeout") {
        for (std::string value : {"0", "1000us", "500ms", "5s", "2min", "1h", "1d", "1.5s"}) {
            CAPTURE(value);
            RevisionFile revision =
                parse(k_minimal_header + "-- lock_timeout: " + value + "\n-- ecluse:upgrade\n");
            REQUIRE(revision.lock_timeout);
            CHECK(revision.lock_timeout == Duration::parse(value));
        }
    }

    TEST_CASE("header keys may be written with dashes and without spaces") {
        RevisionFile revision =
            parse("--revision:a1b2c3d4e5f6\n-- down-revision: none\n--   message:  a: b  \n"
                  "-- ecluse:upgrade\n");
        CHECK(revision.revision == "a1b2c3d4e5f6");
        CHECK_FALSE(revision.down_revision.has_value());
        CHECK(revision.down_revision_line == 2);
        CHECK(revision.message == "a: b");
    }

    TEST_CASE(
        "comments and ecluse:ignore lines may sit between the header and the upgrade marker") {
        RevisionFile revision =
            parse(k_minimal_header + "\n-- Why: the booking needs an amount.\n"
                                     "-- ecluse:ignore pre-drop-column the column was never used\n"
                                     "\n-- ecluse:upgrade\nSELECT 1;\n");
        CHECK(revision.upgrade.first_line == 8);
        CHECK(revision.upgrade.text == "SELECT 1;\n");
    }

    TEST_CASE("ecluse:ignore lines inside a section are kept in its text") {
        RevisionFile revision = parse(
            k_minimal_header + "-- ecluse:upgrade\n-- ecluse:ignore lock-index x\nDROP INDEX i;\n");
        CHECK(revision.upgrade.text == "-- ecluse:ignore lock-index x\nDROP INDEX i;\n");
    }

    TEST_CASE("CRLF files parse like LF files, with the same lines and section text") {
        RevisionFile lf = parse(k_example);
        RevisionFile crlf = parse(replace_all(k_example, "\n", "\r\n"));
        CHECK(crlf.revision == lf.revision);
        CHECK(crlf.down_revision == lf.down_revision);
        CHECK(crlf.message == "add booking amount");
        CHECK(crlf.upgrade.text == lf.upgrade.text);
        CHECK(crlf.upgrade.first_line == 9);
        CHECK(crlf.downgrade.text == lf.downgrade.text);
        CHECK(crlf.downgrade.first_line == 12);
    }

    TEST_CASE("a UTF-8 byte order mark is skipped without shifting lines") {
        RevisionFile revision = parse("\xEF\xBB\xBF" + k_example);
        CHECK(revision.revision == "a1b2c3d4e5f6");
        CHECK(revision.revision_line == 1);
        CHECK(revision.upgrade.first_line == 9);

        InputError error = parse_error("\xEF\xBB\xBF-- revision: A1B2C3D4E5F6\n");
        CHECK(error.location().line == 1);
        CHECK(error.bare_message() ==
              "`revision` must be 12 lowercase hex characters, found \"A1B2C3D4E5F6\"");
    }

    TEST_CASE("is_revision_id accepts exactly 12 lowercase hex characters") {
        CHECK(is_revision_id("a1b2c3d4e5f6"));
        CHECK(is_revision_id("000000000000"));
        CHECK_FALSE(is_revision_id("A1B2C3D4E5F6"));
        CHECK_FALSE(is_revision_id("a1b2c3d4e5f"));
        CHECK_FALSE(is_revision_id("a1b2c3d4e5f60"));
        CHECK_FALSE(is_revision_id("a1b2c3d4e5fg"));
        CHECK_FALSE(is_revision_id(""));
    }

    TEST_CASE("transaction_mode_name writes what the header reads") {
        CHECK(transaction_mode_name(TransactionMode::per_migration) == "per-migration");
        CHECK(transaction_mode_name(TransactionMode::none) == "none");
    }

} // TEST_SUITE("revision_file")

TEST_SUITE("revision_file errors") {

    TEST_CASE("a missing revision key is reported at the header's last line") {
        InputError error =
            parse_error("-- down_revision: none\n-- message: x\n\n-- ecluse:upgrade\n");
        CHECK(error.location().file == k_path);
        CHECK(error.location().line == 2);
        CHECK(error.bare_message() == "the header has no `revision` key");
        CHECK(error.hint() == "every revision starts with `-- revision: <12 hex>` and "
                              "`-- down_revision: <parent or none>`");
        CHECK(std::string(error.what()) == k_path + ":2: the header has no `revision` key");
        CHECK(error.exit_code() == 2);
    }

    TEST_CASE("a missing down_revision key is reported at the header's last line") {
        InputError error =
            parse_error("-- revision: a1b2c3d4e5f6\n-- message: x\n-- transaction: none\n\n"
                        "-- ecluse:upgrade\n");
        CHECK(error.location().line == 3);
        CHECK(error.bare_message() == "the header has no `down_revision` key");
    }

    TEST_CASE("a file without any header is reported at line 1") {
        InputError empty = parse_error("");
        CHECK(empty.location().line == 1);
        CHECK(empty.bare_message() == "the header has no `revision` key");

        InputError sql_first = parse_error("SELECT 1;\n");
        CHECK(sql_first.location().line == 1);
        CHECK(sql_first.bare_message() == "the header has no `revision` key");

        InputError marker_first = parse_error("-- ecluse:upgrade\nSELECT 1;\n");
        CHECK(marker_first.location().line == 1);
        CHECK(marker_first.bare_message() == "the header has no `revision` key");
    }

    TEST_CASE("a repeated key is reported at its second line") {
        InputError error = error_with_line(4, "-- revision: a1b2c3d4e5f6");
        CHECK(error.location().line == 4);
        CHECK(error.bare_message() == "header key `revision` appears twice");
        CHECK(error.hint() == "keep one of the two lines");

        InputError dashed = error_with_line(6, "-- down-revision: none");
        CHECK(dashed.location().line == 6);
        CHECK(dashed.bare_message() == "header key `down_revision` appears twice");
    }

    TEST_CASE("an unknown key is reported with the closest known key") {
        InputError error = error_with_line(3, "-- depend_on: 93ab11f0c2de");
        CHECK(error.location().line == 3);
        CHECK(error.bare_message() == "unknown header key `depend_on`");
        CHECK(error.hint() == "did you mean `depends_on`?");

        InputError typo = error_with_line(2, "-- down_revison: 7e6d5c4b3a21");
        CHECK(typo.hint() == "did you mean `down_revision`?");
    }

    TEST_CASE("an unknown key far from every known key lists the known keys") {
        InputError error = error_with_line(5, "-- author: someone");
        CHECK(error.location().line == 5);
        CHECK(error.bare_message() == "unknown header key `author`");
        CHECK(error.hint() == "known keys: revision, down_revision, depends_on, message, created, "
                              "transaction, lock_timeout, statement_timeout");
    }

    TEST_CASE("a key in capitals is an unknown key with the lowercase one suggested") {
        InputError error = error_with_line(1, "-- Revision: a1b2c3d4e5f6");
        CHECK(error.location().line == 1);
        CHECK(error.bare_message() == "unknown header key `Revision`");
        CHECK(error.hint() == "did you mean `revision`?");
    }

    TEST_CASE("a header comment that is not `key: value` is reported with the header's rule") {
        InputError error = error_with_line(4, "-- adds the amount of a booking");
        CHECK(error.location().line == 4);
        CHECK(error.bare_message() ==
              "expected `-- key: value` in the header, found `-- adds the amount of a booking`");
        CHECK(error.hint() == "the header is the file's first lines, one `-- key: value` each; "
                              "write other comments after the blank line that ends it");

        InputError spaced = error_with_line(4, "-- Note that: it is slow");
        CHECK(spaced.bare_message() ==
              "expected `-- key: value` in the header, found `-- Note that: it is slow`");

        InputError bare = error_with_line(4, "--");
        CHECK(bare.location().line == 4);
        CHECK(bare.bare_message() == "expected `-- key: value` in the header, found `-- `");
    }

    TEST_CASE("a header key after the blank line that ends the header is refused") {
        InputError error =
            parse_error(k_minimal_header + "\n-- transaction: none\n-- ecluse:upgrade\nVACUUM;\n");
        CHECK(error.location().line == 4);
        CHECK(error.bare_message() ==
              "header key `transaction` after the blank line that ends the header");
        CHECK(error.hint() == "move it up into the header, or it is only a comment and is ignored");
    }

    TEST_CASE("revision ids must be 12 lowercase hex characters") {
        struct Case {
            int line;
            std::string text;
            std::string message;
        };
        for (const Case& c : std::vector<Case>{
                 {1, "-- revision: A1B2C3D4E5F6",
                  "`revision` must be 12 lowercase hex characters, found \"A1B2C3D4E5F6\""},
                 {1, "-- revision: a1b2c3d4e5f",
                  "`revision` must be 12 lowercase hex characters, found \"a1b2c3d4e5f\""},
                 {1, "-- revision: a1b2c3d4e5fg",
                  "`revision` must be 12 lowercase hex characters, found \"a1b2c3d4e5fg\""},
                 {1, "-- revision:", "`revision` must be 12 lowercase hex characters, found \"\""},
                 {2, "-- down_revision: 7E6D5C4B3A21",
                  "`down_revision` must be 12 lowercase hex characters, found \"7E6D5C4B3A21\""},
                 {2, "-- down_revision: None",
                  "`down_revision` must be 12 lowercase hex characters, found \"None\""},
                 {2, "-- down_revision: 7e6d5c4b3a2",
                  "`down_revision` must be 12 lowercase hex characters, found \"7e6d5c4b3a2\""},
             }) {
            CAPTURE(c.text);
            InputError error = error_with_line(c.line, c.text);
            CHECK(error.location().line == c.line);
            CHECK(error.bare_message() == c.message);
            CHECK(error.hint() ==
                  "revision ids look like a1b2c3d4e5f6; `ecluse revision` makes new ones");
        }
    }

    TEST_CASE("a bad depends_on is reported at its line") {
        InputError bad = error_with_line(3, "-- depends_on: 93ab11f0c2de, 0C9D8E7F6A5B");
        CHECK(bad.location().line == 3);
        CHECK(bad.bare_message() ==
              "`depends_on` must be 12 lowercase hex characters, found \"0C9D8E7F6A5B\"");

        InputError empty_part = error_with_line(3, "-- depends_on: 93ab11f0c2de,");
        CHECK(empty_part.bare_message() ==
              "`depends_on` must be 12 lowercase hex characters, found \"\"");

        InputError spaces = error_with_line(3, "-- depends_on: 93ab11f0c2de 0c9d8e7f6a5b");
        CHECK(spaces.bare_message() == "`depends_on` must be 12 lowercase hex characters, found "
                                       "\"93ab11f0c2de 0c9d8e7f6a5b\"");

        InputError twice = error_with_line(3, "-- depends_on: 93ab11f0c2de, 93ab11f0c2de");
        CHECK(twice.location().line == 3);
        CHECK(twice.bare_message() == "`depends_on` names 93ab11f0c2de twice");
    }

    TEST_CASE("a bad transaction value is reported at its line") {
        InputError error = error_with_line(6, "-- transaction: per_migration");
        CHECK(error.location().line == 6);
        CHECK(error.bare_message() ==
              "`transaction` must be `per-migration` or `none`, found \"per_migration\"");
        CHECK(error_with_line(6, "-- transaction:").bare_message() ==
              "`transaction` must be `per-migration` or `none`, found \"\"");
    }

    TEST_CASE("a bad created value is reported at its line") {
        for (std::string value : {"yesterday", "2026-11-22", "2026-11-22 14:30:00",
                                  "2026-11-22T14:30:00+02:00", "2026-02-30T14:30:00Z"}) {
            CAPTURE(value);
            InputError error = error_with_line(5, "-- created: " + value);
            CHECK(error.location().line == 5);
            CHECK(error.bare_message() ==
                  "`created` must be a UTC timestamp like 2026-11-22T14:30:00Z, found " +
                      quote_value(value));
        }
    }

    TEST_CASE("a bad lock_timeout or statement_timeout is reported at its line") {
        for (std::string value : {"", "5 seconds", "5sec", "s", "-1s", "500", "5S"}) {
            CAPTURE(value);
            InputError error = error_with_line(6, "-- lock_timeout: " + value);
            CHECK(error.location().line == 6);
            CHECK(error.bare_message() ==
                  "`lock_timeout` must be a duration like 5s, 500ms or 2min, found " +
                      quote_value(value));
            CHECK(error.hint() == k_duration_hint);
        }
        InputError statement = error_with_line(4, "-- statement_timeout: forever");
        CHECK(statement.location().line == 4);
        CHECK(statement.bare_message() ==
              "`statement_timeout` must be a duration like 5s, 500ms or 2min, found \"forever\"");
    }

    TEST_CASE("SQL before the upgrade marker is reported at its line") {
        InputError error = error_with_line(7, "CREATE TABLE t (id int);");
        CHECK(error.location().line == 7);
        CHECK(error.bare_message() == "SQL before the `-- ecluse:upgrade` marker");
        CHECK(error.hint() == "put the migration's statements after a line `-- ecluse:upgrade`");

        InputError after_blank =
            parse_error(k_minimal_header + "\n\nSELECT 1;\n-- ecluse:upgrade\n");
        CHECK(after_blank.location().line == 5);
    }

    TEST_CASE("a missing upgrade marker is reported at the last line") {
        InputError error = parse_error(k_minimal_header + "\n-- just a comment\n\n");
        CHECK(error.location().line == 5);
        CHECK(error.bare_message() == "no `-- ecluse:upgrade` section");
        CHECK(error.hint() == "add a line `-- ecluse:upgrade` followed by the migration's SQL");

        InputError header_only = parse_error(k_minimal_header);
        CHECK(header_only.location().line == 2);
        CHECK(header_only.bare_message() == "no `-- ecluse:upgrade` section");
    }

    TEST_CASE("a repeated upgrade marker names both lines") {
        InputError error = error_with_line(10, "-- ecluse:upgrade");
        CHECK(error.location().line == 10);
        CHECK(error.bare_message() ==
              "a second `-- ecluse:upgrade` marker (the first is on line 8)");
    }

    TEST_CASE("a repeated downgrade marker names both lines") {
        InputError error = parse_error(k_example + "-- ecluse:downgrade\n");
        CHECK(error.location().line == 13);
        CHECK(error.bare_message() ==
              "a second `-- ecluse:downgrade` marker (the first is on line 11)");
    }

    TEST_CASE("a downgrade section before the upgrade section is refused at its marker") {
        InputError error =
            parse_error(k_minimal_header + "\n-- ecluse:downgrade\nDROP TABLE t;\n"
                                           "-- ecluse:upgrade\nCREATE TABLE t ();\n");
        CHECK(error.location().line == 4);
        CHECK(error.bare_message() == "`-- ecluse:downgrade` comes before `-- ecluse:upgrade`");
        CHECK(error.hint() == "put the upgrade section first");
    }

    TEST_CASE("an unknown ecluse marker is refused at its line") {
        InputError error = error_with_line(10, "-- ecluse:xyz");
        CHECK(error.location().line == 10);
        CHECK(error.bare_message() == "unknown marker `-- ecluse:xyz`");
        CHECK(error.hint() == "the sections are `-- ecluse:upgrade` and `-- ecluse:downgrade`");

        InputError typo = error_with_line(8, "-- ecluse:upgarde");
        CHECK(typo.location().line == 8);
        CHECK(typo.bare_message() == "unknown marker `-- ecluse:upgarde`");

        InputError in_header = error_with_line(3, "-- ecluse:xyz");
        CHECK(in_header.location().line == 3);
        CHECK(in_header.bare_message() == "unknown marker `-- ecluse:xyz`");
    }

    TEST_CASE("errors in CRLF files are reported at the same lines") {
        std::string crlf = replace_all(k_example, "\n", "\r\n");
        crlf = replace_all(crlf, "-- created: 2026-11-22T14:30:00Z", "-- created: soon");
        InputError error = parse_error(crlf);
        CHECK(error.location().line == 5);
        CHECK(error.bare_message() ==
              "`created` must be a UTC timestamp like 2026-11-22T14:30:00Z, found \"soon\"");
    }

} // TEST_SUITE("revision_file errors")

TEST_SUITE("revision_file writing") {

    TEST_CASE("render_revision_file writes the documented example") {
        RevisionFile revision;
        revision.revision = "a1b2c3d4e5f6";
        revision.down_revision = "7e6d5c4b3a21";
        revision.depends_on = {"93ab11f0c2de"};
        revision.message = "add booking amount";
        revision.created = "2026-11-22T14:30:00Z";
        revision.upgrade = {"ALTER TABLE booking ADD COLUMN amount numeric(10,2);\n\n", 0, true};
        revision.downgrade = {"ALTER TABLE booking DROP COLUMN amount;\n", 0, true};
        CHECK(render_revision_file(revision) == k_example);
    }

    TEST_CASE("render_revision_file writes what `ecluse revision` makes") {
        RevisionFile revision;
        revision.revision = "a1b2c3d4e5f6";
        revision.message = "Create index\non booking ";
        revision.created = "2026-11-22T14:30:00Z";
        revision.transaction = TransactionMode::none;
        revision.depends_on = {"93ab11f0c2de", "0c9d8e7f6a5b"};
        revision.lock_timeout = Duration::parse("10s");
        revision.statement_timeout = Duration::parse("15min");
        revision.upgrade = {"\n", 0, true};
        revision.downgrade = {"\n", 0, true};
        CHECK(render_revision_file(revision) == "-- revision: a1b2c3d4e5f6\n"
                                                "-- down_revision: none\n"
                                                "-- depends_on: 93ab11f0c2de, 0c9d8e7f6a5b\n"
                                                "-- message: Create index on booking\n"
                                                "-- created: 2026-11-22T14:30:00Z\n"
                                                "-- transaction: none\n"
                                                "-- lock_timeout: 10s\n"
                                                "-- statement_timeout: 900s\n"
                                                "\n"
                                                "-- ecluse:upgrade\n"
                                                "\n"
                                                "-- ecluse:downgrade\n"
                                                "\n");
    }

    TEST_CASE("render_revision_file leaves out absent parts and trailing spaces") {
        RevisionFile revision;
        revision.revision = "a1b2c3d4e5f6";
        revision.upgrade = {"SELECT 1;\n", 0, true};
        CHECK(render_revision_file(revision) == "-- revision: a1b2c3d4e5f6\n"
                                                "-- down_revision: none\n"
                                                "-- message:\n"
                                                "-- transaction: per-migration\n"
                                                "\n"
                                                "-- ecluse:upgrade\n"
                                                "SELECT 1;\n");
    }

    TEST_CASE("render_revision_file ends a section without newline before the next marker") {
        RevisionFile revision;
        revision.revision = "a1b2c3d4e5f6";
        revision.message = "m";
        revision.upgrade = {"SELECT 1;", 0, true};
        revision.downgrade = {"SELECT 2;", 0, true};
        std::string text = render_revision_file(revision);
        CHECK(text == "-- revision: a1b2c3d4e5f6\n"
                      "-- down_revision: none\n"
                      "-- message: m\n"
                      "-- transaction: per-migration\n"
                      "\n"
                      "-- ecluse:upgrade\n"
                      "SELECT 1;\n"
                      "-- ecluse:downgrade\n"
                      "SELECT 2;\n");
        RevisionFile back = parse(text);
        CHECK(back.upgrade.text == "SELECT 1;\n");
        CHECK(back.downgrade.text == "SELECT 2;\n");
    }

    TEST_CASE("parsing a rendered revision gives its values back") {
        RevisionFile revision;
        revision.path = k_path;
        revision.branch = Branch::post;
        revision.revision = "0c9d8e7f6a5b";
        revision.down_revision = "a1b2c3d4e5f6";
        revision.depends_on = {"93ab11f0c2de", "111111111111"};
        revision.message = "drop booking legacy price: step 2";
        revision.created = "2026-11-22T15:02:10Z";
        revision.transaction = TransactionMode::none;
        revision.lock_timeout = Duration::parse("2s");
        revision.statement_timeout = Duration::parse("1h");
        revision.upgrade = {"ALTER TABLE booking DROP COLUMN legacy_price;\n", 0, true};
        revision.downgrade = {"ALTER TABLE booking ADD COLUMN legacy_price numeric;\n", 0, true};

        std::string text = render_revision_file(revision);
        RevisionFile back = parse_revision_file(text, k_path, Branch::post);
        CHECK(back.revision == revision.revision);
        CHECK(back.down_revision == revision.down_revision);
        CHECK(back.depends_on == revision.depends_on);
        CHECK(back.message == revision.message);
        CHECK(back.created == revision.created);
        CHECK(back.transaction == revision.transaction);
        CHECK(back.lock_timeout == revision.lock_timeout);
        CHECK(back.statement_timeout == revision.statement_timeout);
        CHECK(back.upgrade.text == revision.upgrade.text);
        CHECK(back.downgrade.text == revision.downgrade.text);
        CHECK(back.upgrade.first_line == 11);
        CHECK(back.downgrade.first_line == 13);
        CHECK(render_revision_file(back) == text);
    }

    TEST_CASE("rendering a parsed canonical file gives the same bytes") {
        CHECK(render_revision_file(parse(k_example)) == k_example);
    }

    TEST_CASE("revision_file_name joins timestamp, id and slug") {
        CHECK(revision_file_name("20261122T143000", "a1b2c3d4e5f6", "Add booking amount!") ==
              "20261122T143000_a1b2c3d4e5f6_add_booking_amount.sql");
        CHECK(revision_file_name("20261122T143000", "a1b2c3d4e5f6", "!!!") ==
              "20261122T143000_a1b2c3d4e5f6.sql");
        CHECK(revision_file_name("20261122T143000", "a1b2c3d4e5f6", std::string(80, 'a')) ==
              "20261122T143000_a1b2c3d4e5f6_" + std::string(40, 'a') + ".sql");
    }

} // TEST_SUITE("revision_file writing")

TEST_SUITE("revision_file checksum") {

    TEST_CASE("the checksum is the SHA-256 of the upgrade section without trailing blank lines") {
        RevisionFile revision = parse(k_example);
        CHECK(upgrade_checksum(revision) ==
              sha256_hex("ALTER TABLE booking ADD COLUMN amount numeric(10,2);"));
        CHECK(upgrade_checksum(revision).size() == 64);
    }

    TEST_CASE("CRLF and LF files have the same checksum") {
        CHECK(upgrade_checksum(parse(replace_all(k_example, "\n", "\r\n"))) ==
              upgrade_checksum(parse(k_example)));
        RevisionFile crlf_text;
        crlf_text.upgrade = {"SELECT 1;\r\nSELECT 2;\r\n", 1, true};
        RevisionFile lf_text;
        lf_text.upgrade = {"SELECT 1;\nSELECT 2;\n", 1, true};
        CHECK(upgrade_checksum(crlf_text) == upgrade_checksum(lf_text));
    }

    TEST_CASE("trailing blank lines and trailing spaces do not change the checksum") {
        std::string base = k_minimal_header + "-- ecluse:upgrade\nSELECT 1;\n";
        std::string checksum = upgrade_checksum(parse(base));
        CHECK(upgrade_checksum(parse(base + "\n\n   \n\t\n")) == checksum);
        CHECK(upgrade_checksum(parse(k_minimal_header + "-- ecluse:upgrade\nSELECT 1;")) ==
              checksum);
        CHECK(upgrade_checksum(parse(base + "\n-- ecluse:downgrade\nSELECT 2;\n")) == checksum);
    }

    TEST_CASE("an edit of the upgrade section changes the checksum") {
        std::string checksum = upgrade_checksum(parse(k_example));
        std::string edited = replace_all(k_example, "numeric(10,2)", "numeric(12,2)");
        CHECK(upgrade_checksum(parse(edited)) != checksum);
        std::string added_line =
            replace_all(k_example, "-- ecluse:upgrade\n", "-- ecluse:upgrade\nSELECT 1;\n");
        CHECK(upgrade_checksum(parse(added_line)) != checksum);
        std::string spaced = replace_all(k_example, "ADD COLUMN", "ADD  COLUMN");
        CHECK(upgrade_checksum(parse(spaced)) != checksum);
    }

    TEST_CASE("the header and the downgrade section do not change the checksum") {
        std::string checksum = upgrade_checksum(parse(k_example));
        CHECK(upgrade_checksum(parse(replace_all(k_example, "add booking amount", "other"))) ==
              checksum);
        CHECK(upgrade_checksum(parse(replace_all(k_example, "DROP COLUMN amount",
                                                 "DROP COLUMN IF EXISTS amount"))) == checksum);
    }

} // TEST_SUITE("revision_file checksum")

TEST_SUITE("revision_file header edits") {

    TEST_CASE("replace_header_value changes only the value of that line") {
        std::string replaced =
            replace_header_value(k_example, k_path, "down_revision", "0c9d8e7f6a5b");
        CHECK(replaced == replace_all(k_example, "-- down_revision: 7e6d5c4b3a21",
                                      "-- down_revision: 0c9d8e7f6a5b"));
        CHECK(parse(replaced).down_revision == "0c9d8e7f6a5b");
    }

    TEST_CASE("replace_header_value keeps CRLF line endings") {
        std::string crlf = replace_all(k_example, "\n", "\r\n");
        std::string replaced = replace_header_value(crlf, k_path, "down_revision", "none");
        CHECK(replaced == replace_all(crlf, "-- down_revision: 7e6d5c4b3a21\r\n",
                                      "-- down_revision: none\r\n"));
    }

    TEST_CASE("replace_header_value edits the first and the last header lines") {
        CHECK(replace_header_value(k_example, k_path, "revision", "ffffffffffff") ==
              replace_all(k_example, "-- revision: a1b2c3d4e5f6", "-- revision: ffffffffffff"));
        CHECK(replace_header_value(k_example, k_path, "transaction", "none") ==
              replace_all(k_example, "-- transaction: per-migration", "-- transaction: none"));
    }

    TEST_CASE("replace_header_value finds a key written with dashes or odd spacing") {
        std::string content = "--revision:a1b2c3d4e5f6\n--  down-revision :  none\n"
                              "-- ecluse:upgrade\nSELECT 1;\n";
        CHECK(replace_header_value(content, k_path, "down_revision", "7e6d5c4b3a21") ==
              "--revision:a1b2c3d4e5f6\n-- down_revision: 7e6d5c4b3a21\n"
              "-- ecluse:upgrade\nSELECT 1;\n");
    }

    TEST_CASE("replace_header_value keeps a byte order mark") {
        std::string content = "\xEF\xBB\xBF" + k_example;
        std::string replaced = replace_header_value(content, k_path, "down_revision", "none");
        CHECK(replaced ==
              replace_all(content, "-- down_revision: 7e6d5c4b3a21", "-- down_revision: none"));
    }

    TEST_CASE("replace_header_value refuses a key that only appears after the header") {
        std::string content = k_minimal_header +
                              "\n-- depends_on: 93ab11f0c2de\n-- ecluse:upgrade\n"
                              "-- depends_on: 93ab11f0c2de\n";
        try {
            replace_header_value(content, k_path, "depends_on", "0c9d8e7f6a5b");
            FAIL("replace_header_value did not throw");
        } catch (const InputError& error) {
            CHECK(error.location().file == k_path);
            CHECK(error.bare_message() == "the header has no `depends_on` key");
            CHECK(error.exit_code() == 2);
        }
    }

    TEST_CASE("replace_header_value on a file without final newline keeps it so") {
        std::string content = k_minimal_header + "-- ecluse:upgrade\nSELECT 1;";
        CHECK(replace_header_value(content, k_path, "down_revision", "7e6d5c4b3a21") ==
              "-- revision: a1b2c3d4e5f6\n-- down_revision: 7e6d5c4b3a21\n"
              "-- ecluse:upgrade\nSELECT 1;");
    }

} // TEST_SUITE("revision_file header edits")
