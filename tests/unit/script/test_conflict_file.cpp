#include "script/conflict_file.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ecluse;

namespace {

const std::string k_path = "alembic_version_conflict_detection.txt";
const std::string k_rewrite_hint =
    "run `ecluse heads --rewrite` to write it from the revisions on disk";
const std::string k_rebase_hint = "run `ecluse rebase` to re-chain this work's revisions onto the "
                                  "other side's heads and rewrite the file";

ConflictFileHeads heads(std::optional<std::string> pre, std::optional<std::string> post) {
    ConflictFileHeads result;
    result.pre = std::move(pre);
    result.post = std::move(post);
    return result;
}

ConflictFileReading parse(std::string_view content) {
    return parse_conflict_file(content, k_path);
}

} // namespace

TEST_SUITE("conflict_file") {

    TEST_CASE("render writes pre then post, one line each, ending with a newline") {
        CHECK(render_conflict_file(heads("a1b2c3d4e5f6", "0c9d8e7f6a5b")) ==
              "a1b2c3d4e5f6 (pre) (head)\n0c9d8e7f6a5b (post) (head)\n");
    }

    TEST_CASE("render leaves out a branch without revisions") {
        CHECK(render_conflict_file(heads("a1b2c3d4e5f6", std::nullopt)) ==
              "a1b2c3d4e5f6 (pre) (head)\n");
        CHECK(render_conflict_file(heads(std::nullopt, "0c9d8e7f6a5b")) ==
              "0c9d8e7f6a5b (post) (head)\n");
        CHECK(render_conflict_file(heads(std::nullopt, std::nullopt)) == "");
    }

    TEST_CASE("the heads are indexed by branch") {
        ConflictFileHeads value = heads("a1b2c3d4e5f6", "0c9d8e7f6a5b");
        CHECK(value[Branch::pre] == "a1b2c3d4e5f6");
        CHECK(value[Branch::post] == "0c9d8e7f6a5b");
        value[Branch::post] = std::nullopt;
        CHECK_FALSE(value.post.has_value());
        CHECK(value == heads("a1b2c3d4e5f6", std::nullopt));
    }

    TEST_CASE("a rendered file parses back to the same heads without problems") {
        for (const auto& value :
             {heads("a1b2c3d4e5f6", "0c9d8e7f6a5b"), heads("a1b2c3d4e5f6", std::nullopt),
              heads(std::nullopt, "0c9d8e7f6a5b"), heads(std::nullopt, std::nullopt)}) {
            ConflictFileReading reading = parse(render_conflict_file(value));
            CHECK(reading.heads == value);
            CHECK(reading.problems.empty());
            CHECK_FALSE(reading.has_conflict_markers);
        }
    }

    TEST_CASE("git conflict markers are flagged once, at the first marker's line") {
        std::string content = "0c9d8e7f6a5b (post) (head)\n"
                              "<<<<<<< HEAD\n"
                              "a1b2c3d4e5f6 (pre) (head)\n"
                              "=======\n"
                              "111111111111 (pre) (head)\n"
                              ">>>>>>> feature/booking";
        ConflictFileReading reading = parse(content);
        CHECK(reading.has_conflict_markers);
        REQUIRE(reading.problems.size() == 1);
        const Diagnostic& problem = reading.problems[0];
        CHECK(problem.location.file == k_path);
        CHECK(problem.location.line == 2);
        CHECK(problem.message == "git conflict markers: two lines of work each added a revision");
        CHECK(problem.hint == k_rebase_hint);
        CHECK_FALSE(problem.bad_input);
        CHECK(problem.to_string() == k_path +
                                         ":2: git conflict markers: two lines of work each added a "
                                         "revision\n  hint: " +
                                         k_rebase_hint);
    }

    TEST_CASE("each kind of conflict marker is recognised, diff3's base marker too") {
        for (std::string marker : {"<<<<<<< ours", "=======", ">>>>>>> theirs", "||||||| base"}) {
            CAPTURE(marker);
            ConflictFileReading reading = parse("a1b2c3d4e5f6 (pre) (head)\n" + marker + "\n");
            CHECK(reading.has_conflict_markers);
            REQUIRE(reading.problems.size() == 1);
            CHECK(reading.problems[0].location.line == 2);
        }
    }

    TEST_CASE("malformed lines are each reported with their text") {
        std::string content = "a1b2c3d4e5f6 (pre)\n"
                              "A1B2C3D4E5F6 (pre) (head)\n"
                              "a1b2c3d4e5f6 (main) (head)\n"
                              "a1b2c3d4e5f6  (pre) (head)\n"
                              "a1b2c3d4e5f6 (pre) (head) \n"
                              "a1b2c3d4e5f (post) (head)\n"
                              "a1b2c3d4e5f6 () (head)\n";
        ConflictFileReading reading = parse(content);
        REQUIRE(reading.problems.size() == 7);
        std::vector<std::string> found = {
            "\"a1b2c3d4e5f6 (pre)\"",         "\"A1B2C3D4E5F6 (pre) (head)\"",
            "\"a1b2c3d4e5f6 (main) (head)\"", "\"a1b2c3d4e5f6  (pre) (head)\"",
            "\"a1b2c3d4e5f6 (pre) (head) \"", "\"a1b2c3d4e5f (post) (head)\"",
            "\"a1b2c3d4e5f6 () (head)\"",
        };
        for (std::size_t i = 0; i < found.size(); ++i) {
            CAPTURE(i);
            CHECK(reading.problems[i].location.line == static_cast<int>(i + 1));
            CHECK(reading.problems[i].message ==
                  "expected `<revision> (pre) (head)` or `<revision> (post) (head)`, found " +
                      found[i]);
            CHECK(reading.problems[i].hint == k_rewrite_hint);
        }
        CHECK(reading.heads == heads(std::nullopt, std::nullopt));
        CHECK_FALSE(reading.has_conflict_markers);
    }

    TEST_CASE("a blank line is a malformed line") {
        ConflictFileReading reading =
            parse("a1b2c3d4e5f6 (pre) (head)\n\n0c9d8e7f6a5b (post) (head)\n");
        REQUIRE(reading.problems.size() == 1);
        CHECK(reading.problems[0].location.line == 2);
        CHECK(reading.problems[0].message ==
              "expected `<revision> (pre) (head)` or `<revision> (post) (head)`, found \"\"");
        CHECK(reading.heads == heads("a1b2c3d4e5f6", "0c9d8e7f6a5b"));

        ConflictFileReading trailing = parse("a1b2c3d4e5f6 (pre) (head)\n\n");
        REQUIRE(trailing.problems.size() == 1);
        CHECK(trailing.problems[0].location.line == 2);
    }

    TEST_CASE("a post line before the pre line is reported at the pre line") {
        ConflictFileReading reading =
            parse("0c9d8e7f6a5b (post) (head)\na1b2c3d4e5f6 (pre) (head)\n");
        REQUIRE(reading.problems.size() == 1);
        CHECK(reading.problems[0].location.line == 2);
        CHECK(reading.problems[0].message == "the pre line must come before the post line");
        CHECK(reading.problems[0].hint == k_rewrite_hint);
        CHECK(reading.heads == heads("a1b2c3d4e5f6", "0c9d8e7f6a5b"));
    }

    TEST_CASE("a branch named twice is reported at its second line and keeps the first") {
        ConflictFileReading reading = parse("a1b2c3d4e5f6 (pre) (head)\n111111111111 (pre) (head)\n"
                                            "0c9d8e7f6a5b (post) (head)\n");
        REQUIRE(reading.problems.size() == 1);
        CHECK(reading.problems[0].location.line == 2);
        CHECK(reading.problems[0].message == "a second head for pre");
        CHECK(reading.problems[0].hint == k_rewrite_hint);
        CHECK(reading.heads == heads("a1b2c3d4e5f6", "0c9d8e7f6a5b"));

        ConflictFileReading post =
            parse("0c9d8e7f6a5b (post) (head)\n222222222222 (post) (head)\n");
        REQUIRE(post.problems.size() == 1);
        CHECK(post.problems[0].location.line == 2);
        CHECK(post.problems[0].message == "a second head for post");
    }

    TEST_CASE("a missing final newline is reported at the last line") {
        ConflictFileReading reading =
            parse("a1b2c3d4e5f6 (pre) (head)\n0c9d8e7f6a5b (post) (head)");
        REQUIRE(reading.problems.size() == 1);
        CHECK(reading.problems[0].location.line == 2);
        CHECK(reading.problems[0].message == "the last line has no line ending");
        CHECK(reading.problems[0].hint == k_rewrite_hint);
        CHECK(reading.heads == heads("a1b2c3d4e5f6", "0c9d8e7f6a5b"));
    }

    TEST_CASE("CR LF line endings are a problem at their line, the heads still read") {
        std::string crlf = "a1b2c3d4e5f6 (pre) (head)\n0c9d8e7f6a5b (post) (head)\r\n";
        ConflictFileReading reading = parse(crlf);
        REQUIRE(reading.problems.size() == 1);
        CHECK(reading.problems[0].location.line == 2);
        CHECK(
            reading.problems[0].message ==
            "a line ends with a carriage return (CR LF or CR): the file's lines end with LF only");
        CHECK(reading.problems[0].hint == k_rewrite_hint);
        CHECK(reading.heads == heads("a1b2c3d4e5f6", "0c9d8e7f6a5b"));

        ConflictFileReading malformed = parse("a1b2c3d4e5f6 (pre)\r\n");
        REQUIRE(malformed.problems.size() == 2);
        CHECK(malformed.problems[1].location.line == 1);
        CHECK(malformed.problems[1].message == "expected `<revision> (pre) (head)` or "
                                               "`<revision> (post) (head)`, found \"a1b2c3d4e5f6 "
                                               "(pre)\"");
    }

    TEST_CASE("an empty file records no head and has no problem") {
        ConflictFileReading reading = parse("");
        CHECK(reading.heads == heads(std::nullopt, std::nullopt));
        CHECK(reading.problems.empty());
        CHECK_FALSE(reading.has_conflict_markers);
    }

    TEST_CASE("conflict markers hide the other problems of the file") {
        ConflictFileReading reading = parse("<<<<<<< HEAD\ngarbage\n=======\n\n>>>>>>> x");
        REQUIRE(reading.problems.size() == 1);
        CHECK(reading.problems[0].location.line == 1);
        CHECK(reading.has_conflict_markers);
    }

} // TEST_SUITE("conflict_file")
