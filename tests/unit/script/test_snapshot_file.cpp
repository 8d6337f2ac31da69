#include "script/seed_file.hpp"
#include "script/snapshot_file.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ecluse;

namespace {

const std::string k_checksum = std::string(64, 'a');
const std::string k_path = "migrations/snapshot/20261122T143000_a1b2c3d4e5f6_0c9d8e7f6a5b.sql";

const std::string k_example = "-- ecluse:snapshot\n"               // 1
                              "-- pre: a1b2c3d4e5f6\n"             // 2
                              "-- post: 0c9d8e7f6a5b\n"            // 3
                              "-- created: 2026-11-22T14:30:00Z\n" // 4
                              "-- replaces: pre a1b2c3d4e5f6 none - " +
                              k_checksum +
                              " create booking\n" // 5
                              "-- replaces: post 0c9d8e7f6a5b none a1b2c3d4e5f6 " +
                              k_checksum +
                              " drop legacy price\n"                         // 6
                              "-- ecluse:schema\n"                           // 7
                              "\\restrict abc\n"                             // 8
                              "CREATE TABLE public.booking (id integer);\n"; // 9

std::string error_of(const std::string& content) {
    try {
        parse_snapshot_file(content, k_path);
    } catch (const InputError& error) {
        return error.what();
    }
    return "";
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

} // namespace

TEST_SUITE("SnapshotFile") {

    TEST_CASE("the example parses into heads, replaced revisions and the dump") {
        SnapshotFile snapshot = parse_snapshot_file(k_example, k_path);
        CHECK(snapshot.name == "20261122T143000_a1b2c3d4e5f6_0c9d8e7f6a5b.sql");
        CHECK(snapshot.pre_head == std::optional<std::string>("a1b2c3d4e5f6"));
        CHECK(snapshot.post_head == std::optional<std::string>("0c9d8e7f6a5b"));
        CHECK(snapshot.created == "2026-11-22T14:30:00Z");
        REQUIRE(snapshot.replaces.size() == 2);
        CHECK(snapshot.replaces[1].branch == Branch::post);
        CHECK(snapshot.replaces[1].down_revision == std::nullopt);
        CHECK(snapshot.replaces[1].depends_on == std::vector<std::string>{"a1b2c3d4e5f6"});
        CHECK(snapshot.replaces[1].message == "drop legacy price");
        CHECK(snapshot.sql == "\\restrict abc\nCREATE TABLE public.booking (id integer);\n");
        CHECK(snapshot.sql_first_line == 8);
    }

    TEST_CASE("rendering gives the same file back") {
        CHECK(render_snapshot_file(parse_snapshot_file(k_example, k_path)) == k_example);
    }

    TEST_CASE("CRLF line endings are read") {
        std::string crlf;
        for (char c : k_example) {
            crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
        }
        SnapshotFile snapshot = parse_snapshot_file(crlf, k_path);
        CHECK(snapshot.replaces.size() == 2);
        CHECK(snapshot.sql.substr(0, 14) == "\\restrict abc\r");
    }

    TEST_CASE("malformed headers are refused with the file and line") {
        CHECK(error_of("CREATE TABLE t ();\n") ==
              k_path + ":1: a snapshot file starts with `-- ecluse:snapshot`");
        CHECK(error_of(replace(k_example, "-- pre: a1b2c3d4e5f6", "-- pre: A1B2")) ==
              k_path + ":2: pre head \"A1B2\" is not a revision id (12 lowercase hex characters) "
                       "nor `none`");
        CHECK(error_of(replace(k_example, "-- created:", "-- author:")) ==
              k_path + ":4: unknown snapshot header key `author`");
        CHECK(error_of(replace(k_example, " - " + k_checksum, " - abc")) ==
              k_path + ":5: checksum \"abc\" is not a SHA-256 (64 lowercase hex characters)");
        CHECK(error_of(replace(k_example, "-- ecluse:schema\n", "")) ==
              k_path + ":7: the snapshot header has a line that is not a `-- key: value` comment "
                       "before `-- ecluse:schema`");
        CHECK(error_of(replace(k_example, "-- replaces: post 0c9d8e7f6a5b",
                               "-- replaces: pre 0c9d8e7f6a5b")) ==
              k_path + ":3: post head 0c9d8e7f6a5b is not among the post revisions the snapshot "
                       "replaces");
        CHECK(error_of(replace(k_example, "-- post: 0c9d8e7f6a5b\n", "")) ==
              k_path + ":6: the snapshot header has no `post:` line");
    }

    TEST_CASE("file names carry the timestamp and both heads") {
        CHECK(snapshot_file_name("20261122T143000", std::string("a1b2c3d4e5f6"), std::nullopt) ==
              "20261122T143000_a1b2c3d4e5f6_none.sql");
    }
}

TEST_SUITE("SeedFile") {

    TEST_CASE("a seed has an upgrade and a downgrade section") {
        SeedFile seed =
            parse_seed_file("-- demo users\n-- ecluse:upgrade\nINSERT INTO t VALUES (1);\n"
                            "-- ecluse:downgrade\nDELETE FROM t;\n",
                            "seeds/demo.sql");
        CHECK(seed.name == "demo");
        CHECK(seed.upgrade.text == "INSERT INTO t VALUES (1);\n");
        CHECK(seed.upgrade.first_line == 3);
        CHECK(seed.downgrade.text == "DELETE FROM t;\n");
        CHECK(seed.downgrade.first_line == 5);
        CHECK(seed.checksum.size() == 64);
    }

    TEST_CASE("malformed seeds are refused with the line") {
        auto error_of_seed = [](const std::string& content) -> std::string {
            try {
                parse_seed_file(content, "seeds/demo.sql");
            } catch (const InputError& error) {
                return error.what();
            }
            return "";
        };
        CHECK(
            error_of_seed("INSERT INTO t VALUES (1);\n-- ecluse:upgrade\n-- ecluse:downgrade\n") ==
            "seeds/demo.sql:1: SQL before the `-- ecluse:upgrade` marker");
        CHECK(error_of_seed("-- ecluse:upgrade\nINSERT INTO t VALUES (1);\n")
                  .rfind("seeds/demo.sql:2: no `-- ecluse:downgrade` section", 0) == 0);
        CHECK(error_of_seed("-- ecluse:upgrade\n-- ecluse:upgrade\n-- ecluse:downgrade\n") ==
              "seeds/demo.sql:2: a second `-- ecluse:upgrade` marker");
        CHECK(error_of_seed("-- ecluse:upgrade\n-- ecluse:teardown\n") ==
              "seeds/demo.sql:2: unknown marker `-- ecluse:teardown`");
    }
}
