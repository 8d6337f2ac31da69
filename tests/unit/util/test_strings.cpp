#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"
#include "util/time.hpp"

#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using namespace ecluse;
using namespace std::chrono;

namespace {

// A fresh folder under the system's temporary folder, removed at the end.
class TemporaryFolder {
public:
    TemporaryFolder()
        : m_path(std::filesystem::temp_directory_path() / ("ecluse-test-" + random_hex(12))) {
        std::filesystem::create_directories(m_path);
    }
    ~TemporaryFolder() { std::filesystem::remove_all(m_path); }
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

std::vector<std::string> strings(const std::vector<std::string_view>& views) {
    return {views.begin(), views.end()};
}

SystemTime utc(int year, unsigned month, unsigned day, int hour, int minute, int second) {
    return sys_days{std::chrono::year{year} / month / day} + hours{hour} + minutes{minute} +
           seconds{second};
}

} // namespace

TEST_SUITE("strings") {

    TEST_CASE("trim removes surrounding whitespace of every kind and keeps inner spaces") {
        CHECK(trim("  a b \t\r\n") == "a b");
        CHECK(trim("\f\va\v") == "a");
        CHECK(trim("word") == "word");
        CHECK(trim(" \t\n ") == "");
        CHECK(trim("") == "");
    }

    TEST_CASE("to_lower changes ASCII letters only") {
        CHECK(to_lower("ABC-xyz_09") == "abc-xyz_09");
        CHECK(to_lower("ÉTÉ") == "ÉtÉ");
        CHECK(to_lower("") == "");
    }

    TEST_CASE("wrap_words breaks at blanks only and gives a long word a line of its own") {
        using V = std::vector<std::string>;
        CHECK(wrap_words("also write them to alembic_version_conflict_detection.txt", 20) ==
              V{"also write them to", "alembic_version_conflict_detection.txt"});
        CHECK(wrap_words("  a  b\nc ", 3) == V{"a b", "c"});
        CHECK(wrap_words("abc def", 7) == V{"abc def"});
        CHECK(wrap_words(" \t ", 10).empty());
    }

    TEST_CASE("split keeps empty parts between, before and after separators") {
        CHECK(split("a,b,c", ',') == std::vector<std::string>{"a", "b", "c"});
        CHECK(split("a,,b", ',') == std::vector<std::string>{"a", "", "b"});
        CHECK(split(",a,", ',') == std::vector<std::string>{"", "a", ""});
        CHECK(split("", ',') == std::vector<std::string>{""});
        CHECK(split("no separator", ',') == std::vector<std::string>{"no separator"});
    }

    TEST_CASE("join puts the separator between parts only") {
        CHECK(join({}, ", ") == "");
        CHECK(join({"a"}, ", ") == "a");
        CHECK(join({"a", "b", "c"}, ", ") == "a, b, c");
        CHECK(join({"", ""}, "-") == "-");
    }

    TEST_CASE("split_lines drops LF, CRLF and lone CR terminators") {
        CHECK(strings(split_lines("a\nb")) == std::vector<std::string>{"a", "b"});
        CHECK(strings(split_lines("a\r\nb\r\n")) == std::vector<std::string>{"a", "b"});
        CHECK(strings(split_lines("a\rb\r")) == std::vector<std::string>{"a", "b"});
        CHECK(strings(split_lines("a\r\n\r\nb")) == std::vector<std::string>{"a", "", "b"});
    }

    TEST_CASE("split_lines keeps blank lines but makes no empty line after the last terminator") {
        CHECK(strings(split_lines("a\n\n")) == std::vector<std::string>{"a", ""});
        CHECK(strings(split_lines("\n")) == std::vector<std::string>{""});
        CHECK(split_lines("").empty());
        CHECK(strings(split_lines("last line without end")) ==
              std::vector<std::string>{"last line without end"});
    }

    TEST_CASE("normalize_line_endings turns CRLF and lone CR into LF") {
        CHECK(normalize_line_endings("a\r\nb\rc\n") == "a\nb\nc\n");
        CHECK(normalize_line_endings("\r\r\n") == "\n\n");
        CHECK(normalize_line_endings("\n\r") == "\n\n");
        CHECK(normalize_line_endings("plain") == "plain");
    }

    TEST_CASE("slugify keeps lowercase letters and digits joined by single underscores") {
        CHECK(slugify("Add booking amount!") == "add_booking_amount");
        CHECK(slugify("  --Drop  legacy_price (v2)--  ") == "drop_legacy_price_v2");
        CHECK(slugify("Café crème") == "caf_cr_me");
        CHECK(slugify("!!!") == "");
        CHECK(slugify("") == "");
    }

    TEST_CASE("slugify cuts at the maximum length without a trailing underscore") {
        CHECK(slugify("abcdefghij", 5) == "abcde");
        CHECK(slugify("abcd efgh", 5) == "abcd");
        CHECK(slugify(std::string(60, 'x')) == std::string(40, 'x'));
        CHECK(slugify("backfill bookings amount from legacy price") ==
              "backfill_bookings_amount_from_legacy");
        CHECK(slugify("abcd efgh", 6) == "abcd");
    }

    TEST_CASE("is_lower_hex accepts only non-empty lowercase hex") {
        CHECK(is_lower_hex("0123456789abcdef"));
        CHECK_FALSE(is_lower_hex(""));
        CHECK_FALSE(is_lower_hex("ABCDEF"));
        CHECK_FALSE(is_lower_hex("abcdefg"));
        CHECK_FALSE(is_lower_hex("ab cd"));
    }

    TEST_CASE("edit_distance counts insertions, deletions and substitutions") {
        CHECK(edit_distance("kitten", "sitting") == 3);
        CHECK(edit_distance("", "abc") == 3);
        CHECK(edit_distance("abc", "") == 3);
        CHECK(edit_distance("same", "same") == 0);
        CHECK(edit_distance("revison", "revision") == 1);
        CHECK(edit_distance("down_revision", "down-revision") == 1);
    }

    TEST_CASE("utf8_offset finds the byte offset of the nth code point") {
        CHECK(utf8_offset("héllo", 0) == 0);
        CHECK(utf8_offset("héllo", 1) == 1);
        CHECK(utf8_offset("héllo", 2) == 3);
        CHECK(utf8_offset("日本x", 2) == 6);
        CHECK(utf8_offset("abc", 3) == 3);
        CHECK(utf8_offset("abc", 10) == 3);
    }

    TEST_CASE("line_column_at counts lines and code point columns from 1") {
        std::string_view text = "ab\ncd\n";
        CHECK(line_column_at(text, 0).line == 1);
        CHECK(line_column_at(text, 0).column == 1);
        CHECK(line_column_at(text, 2).line == 1);
        CHECK(line_column_at(text, 2).column == 3);
        CHECK(line_column_at(text, 4).line == 2);
        CHECK(line_column_at(text, 4).column == 2);
        CHECK(line_column_at(text, 6).line == 3);
        CHECK(line_column_at(text, 6).column == 1);
    }

    TEST_CASE("line_column_at counts a multibyte character as one column") {
        std::string_view text = "x\né日z";
        LineColumn at = line_column_at(text, text.find('z'));
        CHECK(at.line == 2);
        CHECK(at.column == 3);
    }

    TEST_CASE("line_column_at treats CRLF and a lone CR as one line break each") {
        LineColumn after_crlf = line_column_at("a\r\nb", 3);
        CHECK(after_crlf.line == 2);
        CHECK(after_crlf.column == 1);
        LineColumn after_cr = line_column_at("a\rb", 2);
        CHECK(after_cr.line == 2);
        CHECK(after_cr.column == 1);
        LineColumn at_cr = line_column_at("a\r\nb", 1);
        CHECK(at_cr.line == 1);
        CHECK(at_cr.column == 2);
    }

    TEST_CASE("line_column_at clamps an offset past the end") {
        LineColumn at = line_column_at("ab", 99);
        CHECK(at.line == 1);
        CHECK(at.column == 3);
    }

    TEST_CASE("LineCounter gives line_column_at's answer for offsets in any order") {
        std::string_view text = "ab\r\ncd\ré日\n\nxyz";
        LineCounter counter(text);
        std::vector<std::size_t> offsets;
        for (std::size_t offset = 0; offset <= text.size() + 1; ++offset) {
            offsets.push_back(offset);
        }
        // Forwards, then backwards, then forwards again by two.
        for (std::size_t i = offsets.size(); i-- > 0;) {
            offsets.push_back(offsets[i]);
        }
        for (std::size_t offset = 0; offset <= text.size(); offset += 2) {
            offsets.push_back(offset);
        }
        for (std::size_t offset : offsets) {
            CAPTURE(offset);
            LineColumn expected = line_column_at(text, offset);
            LineColumn got = counter.at(offset);
            CHECK(got.line == expected.line);
            CHECK(got.column == expected.column);
        }
    }

    TEST_CASE("quote_value escapes quotes, backslashes and control characters") {
        CHECK(quote_value("plain") == "\"plain\"");
        CHECK(quote_value("") == "\"\"");
        CHECK(quote_value("a\"b\\c") == "\"a\\\"b\\\\c\"");
        CHECK(quote_value("\n\r\t") == "\"\\n\\r\\t\"");
        CHECK(quote_value(std::string_view("\x01\x1f", 2)) == "\"\\x01\\x1f\"");
        CHECK(quote_value("été") == "\"été\"");
    }

    TEST_CASE("split_command_words splits on blanks and keeps quoted text whole") {
        using words = std::vector<std::string>;
        CHECK(split_command_words("  ./deploy.sh  --fast\tnow ") ==
              words{"./deploy.sh", "--fast", "now"});
        CHECK(split_command_words("sh -c 'kubectl apply -f k8s/ && echo \"done\"'") ==
              words{"sh", "-c", "kubectl apply -f k8s/ && echo \"done\""});
        CHECK(split_command_words("echo \"a \\\"b\\\" \\$HOME \\x\"") ==
              words{"echo", "a \"b\" $HOME \\x"});
        CHECK(split_command_words("a\\ b c\\\\") == words{"a b", "c\\"});
        CHECK(split_command_words("x'y'\"z\" '' \"\"") == words{"xyz", "", ""});
        CHECK(split_command_words("one \\\ntwo") == words{"one", "two"});
        CHECK(split_command_words("$HOME *.sql ~") == words{"$HOME", "*.sql", "~"});
        CHECK(split_command_words("   ").empty());
    }

    TEST_CASE("split_command_words refuses unterminated quotes and a trailing backslash") {
        CHECK_THROWS_WITH_AS(split_command_words("sh -c 'echo"),
                             "the command \"sh -c 'echo\" has a single quote that is never "
                             "closed",
                             UsageError);
        CHECK_THROWS_WITH_AS(split_command_words("echo \"a"),
                             "the command \"echo \\\"a\" has a double quote that is never "
                             "closed",
                             UsageError);
        CHECK_THROWS_WITH_AS(split_command_words("echo \\"),
                             "the command \"echo \\\\\" ends with a backslash", UsageError);
    }

    TEST_CASE("text_problem names control characters and bytes that are not UTF-8") {
        CHECK_FALSE(text_problem("add caf\xc3\xa9 table"));
        CHECK(text_problem("a\nb") == "a control character");
        CHECK(text_problem(std::string("a\0b", 3)) == "a control character");
        CHECK(text_problem("a\x7f") == "a control character");
        CHECK(text_problem("a\tb") == "a control character");
        CHECK_FALSE(text_problem("a\tb", true));
        CHECK(text_problem("caf\xe9") == "bytes that are not UTF-8");
    }

    TEST_CASE("printable escapes what could end a line or a comment, and keeps UTF-8") {
        CHECK(printable("x\n\\! touch PWNED\n.sql") == "x\\n\\\\! touch PWNED\\n.sql");
        CHECK(printable("caf\xc3\xa9\r\t\x1b") == "caf\xc3\xa9\\r\\t\\x1b");
        CHECK(printable("caf\xe9!") == "caf\\xe9!");
        CHECK(printable(std::string("\0", 1)) == "\\x00");
    }

} // TEST_SUITE("strings")

TEST_SUITE("hash") {

    TEST_CASE("sha256_hex matches the standard test vectors") {
        CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        CHECK(sha256_hex("abc") ==
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        CHECK(sha256_hex(std::string_view("a\0b", 3)) != sha256_hex("ab"));
    }

    TEST_CASE("random_hex returns the asked number of lowercase hex characters") {
        for (std::size_t length : {0, 1, 7, 12, 64}) {
            std::string value = random_hex(length);
            CHECK(value.size() == length);
            CHECK((length == 0 || is_lower_hex(value)));
        }
    }

    TEST_CASE("random_hex does not repeat itself") {
        std::vector<std::string> seen;
        for (int i = 0; i < 50; ++i) {
            std::string value = random_hex(12);
            CHECK(std::find(seen.begin(), seen.end(), value) == seen.end());
            seen.push_back(value);
        }
    }

} // TEST_SUITE("hash")

TEST_SUITE("time") {

    TEST_CASE("format_iso8601_utc writes seconds precision with a Z") {
        CHECK(format_iso8601_utc(utc(2026, 11, 22, 14, 30, 0)) == "2026-11-22T14:30:00Z");
        CHECK(format_iso8601_utc(utc(2001, 2, 3, 4, 5, 6) + milliseconds{999}) ==
              "2001-02-03T04:05:06Z");
    }

    TEST_CASE("format_compact_utc writes the revision file name prefix") {
        CHECK(format_compact_utc(utc(2026, 11, 22, 14, 30, 0)) == "20261122T143000");
        CHECK(format_compact_utc(utc(2001, 2, 3, 4, 5, 6)) == "20010203T040506");
    }

    TEST_CASE("is_iso8601_utc accepts UTC timestamps with optional fraction or +00:00") {
        CHECK(is_iso8601_utc("2026-11-22T14:30:00Z"));
        CHECK(is_iso8601_utc("2026-11-22T14:30:00.123456Z"));
        CHECK(is_iso8601_utc("2026-11-22T14:30:00+00:00"));
        CHECK(is_iso8601_utc("2028-02-29T23:59:59Z"));
        CHECK(is_iso8601_utc(format_iso8601_utc(system_clock::now())));
    }

    TEST_CASE("is_iso8601_utc refuses other shapes and other offsets") {
        CHECK_FALSE(is_iso8601_utc(""));
        CHECK_FALSE(is_iso8601_utc("2026-11-22"));
        CHECK_FALSE(is_iso8601_utc("2026-11-22T14:30:00"));
        CHECK_FALSE(is_iso8601_utc("2026-11-22 14:30:00Z"));
        CHECK_FALSE(is_iso8601_utc("2026-11-22T14:30Z"));
        CHECK_FALSE(is_iso8601_utc("2026-11-22T14:30:00.Z"));
        CHECK_FALSE(is_iso8601_utc("2026-11-22T14:30:00+01:00"));
        CHECK_FALSE(is_iso8601_utc("2026-11-22T14:30:00Z "));
        CHECK_FALSE(is_iso8601_utc("20261122T143000Z"));
    }

    TEST_CASE("is_iso8601_utc refuses dates and times that do not exist") {
        CHECK_FALSE(is_iso8601_utc("2026-13-01T00:00:00Z"));
        CHECK_FALSE(is_iso8601_utc("2026-00-01T00:00:00Z"));
        CHECK_FALSE(is_iso8601_utc("2026-11-00T00:00:00Z"));
        CHECK_FALSE(is_iso8601_utc("2026-11-31T00:00:00Z"));
        CHECK_FALSE(is_iso8601_utc("2026-02-29T00:00:00Z"));
        CHECK_FALSE(is_iso8601_utc("2100-02-29T00:00:00Z"));
        CHECK(is_iso8601_utc("2000-02-29T00:00:00Z"));
        CHECK_FALSE(is_iso8601_utc("2026-11-22T24:00:00Z"));
        CHECK_FALSE(is_iso8601_utc("2026-11-22T14:60:00Z"));
        CHECK_FALSE(is_iso8601_utc("2026-11-22T14:30:60Z"));
    }

} // TEST_SUITE("time")

TEST_SUITE("file") {

    TEST_CASE("read_file returns the exact bytes, including NUL and CR") {
        TemporaryFolder folder;
        std::string content("a\r\nb\0c", 6);
        {
            std::ofstream out(folder.path() / "f.sql", std::ios::binary);
            out << content;
        }
        CHECK(read_file(folder.path() / "f.sql") == content);
        CHECK(read_file_if_exists(folder.path() / "f.sql") == content);
    }

    TEST_CASE("read_file reads a file bigger than its first buffer and an empty file") {
        TemporaryFolder folder;
        std::string big(100'000, 'x');
        write_file_atomically(folder.path() / "big", big);
        write_file_atomically(folder.path() / "empty", "");
        CHECK(read_file(folder.path() / "big") == big);
        CHECK(read_file(folder.path() / "empty") == "");
    }

    TEST_CASE("read_file names a missing file; read_file_if_exists returns nullopt") {
        TemporaryFolder folder;
        std::filesystem::path missing = folder.path() / "missing.sql";
        CHECK_FALSE(read_file_if_exists(missing).has_value());
        try {
            read_file(missing);
            FAIL("read_file did not throw");
        } catch (const InputError& error) {
            CHECK(error.location().file == missing.string());
            CHECK(error.location().line == 0);
            CHECK(error.bare_message() == "cannot open the file: No such file or directory");
            CHECK(std::string(error.what()) ==
                  missing.string() + ": cannot open the file: No such file or directory");
            CHECK(error.exit_code() == 2);
        }
    }

    TEST_CASE("read_file refuses a folder") {
        TemporaryFolder folder;
        try {
            read_file_if_exists(folder.path());
            FAIL("read_file_if_exists did not throw");
        } catch (const InputError& error) {
            CHECK(error.bare_message() == "not a regular file (a folder)");
        }
    }

    TEST_CASE("write_file_atomically replaces content, keeps the mode and leaves no temporary") {
        TemporaryFolder folder;
        std::filesystem::path path = folder.path() / "conflict.txt";
        write_file_atomically(path, "first\n");
        ::chmod(path.c_str(), 0600);
        write_file_atomically(path, "second\n");
        CHECK(read_file(path) == "second\n");
        struct stat info {};
        REQUIRE(::stat(path.c_str(), &info) == 0);
        CHECK((info.st_mode & 07777) == 0600);
        std::vector<std::string> names;
        for (const auto& entry : std::filesystem::directory_iterator(folder.path())) {
            names.push_back(entry.path().filename().string());
        }
        CHECK(names == std::vector<std::string>{"conflict.txt"});
    }

    TEST_CASE("write_file_atomically gives a new file 0644 less the umask") {
        TemporaryFolder folder;
        mode_t previous = ::umask(077);
        write_file_atomically(folder.path() / "private", "x");
        ::umask(previous);
        struct stat info {};
        REQUIRE(::stat((folder.path() / "private").c_str(), &info) == 0);
        CHECK((info.st_mode & 07777) == 0600);
    }

    TEST_CASE("concurrent write_file_atomically calls each leave a whole file, never a mix") {
        TemporaryFolder folder;
        std::filesystem::path path = folder.path() / "shared";
        std::vector<std::string> contents;
        for (char c : std::string("abcd")) {
            contents.push_back(std::string(256 * 1024, c));
        }
        std::vector<std::thread> writers;
        std::atomic<int> failures{0};
        for (const std::string& content : contents) {
            writers.emplace_back([&, content] {
                for (int i = 0; i < 20; ++i) {
                    try {
                        write_file_atomically(path, content);
                    } catch (...) {
                        ++failures;
                    }
                }
            });
        }
        for (auto& writer : writers) {
            writer.join();
        }
        CHECK(failures == 0);
        std::string result = read_file(path);
        CHECK(std::find(contents.begin(), contents.end(), result) != contents.end());
        std::vector<std::string> names;
        for (const auto& entry : std::filesystem::directory_iterator(folder.path())) {
            names.push_back(entry.path().filename().string());
        }
        CHECK(names == std::vector<std::string>{"shared"});
    }

    TEST_CASE("write_file_atomically names the file it cannot write") {
        TemporaryFolder folder;
        std::filesystem::path path = folder.path() / "no-such-folder" / "f.txt";
        try {
            write_file_atomically(path, "x");
            FAIL("write_file_atomically did not throw");
        } catch (const InputError& error) {
            CHECK(error.location().file == path.string());
            CHECK(error.bare_message() == "cannot write the file: No such file or directory");
        }
    }

} // TEST_SUITE("file")

TEST_SUITE("error") {

    TEST_CASE("SourceLocation prints only what is known") {
        CHECK(SourceLocation{"a.sql", 3, 7}.to_string() == "a.sql:3:7");
        CHECK(SourceLocation{"a.sql", 3, 0}.to_string() == "a.sql:3");
        CHECK(SourceLocation{"a.sql", 0, 7}.to_string() == "a.sql");
    }

    TEST_CASE("InputError prefixes its message with the location and exits 2") {
        InputError error(SourceLocation{"a.sql", 3, 7}, "bad thing", "do this");
        CHECK(std::string(error.what()) == "a.sql:3:7: bad thing");
        CHECK(error.bare_message() == "bad thing");
        CHECK(error.hint() == "do this");
        CHECK(error.exit_code() == 2);
        InputError unplaced(SourceLocation{}, "bad thing");
        CHECK(std::string(unplaced.what()) == "bad thing");
    }

    TEST_CASE("Diagnostic prints its location, message and hint") {
        Diagnostic diagnostic{SourceLocation{"f", 2}, "wrong", "fix it", true};
        CHECK(diagnostic.to_string() == "f:2: wrong\n  hint: fix it");
        CHECK(Diagnostic{SourceLocation{}, "wrong", "", false}.to_string() == "wrong");
    }

    TEST_CASE("throw_if_any picks the exit code from the problems") {
        CHECK_NOTHROW(throw_if_any("nothing", {}));
        Diagnostic check{SourceLocation{"f", 1}, "check", "", false};
        Diagnostic input{SourceLocation{"g", 2}, "input", "", true};
        try {
            throw_if_any("summary", {check});
            FAIL("throw_if_any did not throw");
        } catch (const CheckFailed& error) {
            CHECK(error.exit_code() == 1);
            CHECK(std::string(error.what()) == "summary");
            CHECK(error.details().size() == 1);
        }
        try {
            throw_if_any("summary", {check, input});
            FAIL("throw_if_any did not throw");
        } catch (const InputError& error) {
            CHECK(error.exit_code() == 2);
            CHECK(error.details().size() == 2);
        }
    }

} // TEST_SUITE("error")

TEST_SUITE("hash") {

    TEST_CASE("xxh64 gives the reference XXH64 values") {
        CHECK(ecluse::hex64(ecluse::xxh64("")) == "ef46db3751d8e999");
        CHECK(ecluse::hex64(ecluse::xxh64("abc")) == "44bc2cf5ad770999");
        // 39 bytes: the 32-byte stripes, then the 8-, 4- and 1-byte tails.
        CHECK(ecluse::hex64(ecluse::xxh64("Nobody inspects the spammish repetition")) ==
              "fbcea83c8a378bf1");
    }

    TEST_CASE("scram_sha256_secret gives PostgreSQL's format, checked against Python's "
              "hashlib") {
        std::string salt;
        for (char c = 0; c < 16; ++c) {
            salt.push_back(c);
        }
        CHECK(ecluse::scram_sha256_secret("pencil", salt) ==
              "SCRAM-SHA-256$4096:AAECAwQFBgcICQoLDA0ODw==$zHCdol2044/ZyWzPLi7oxApCkamKw9Z+E4U/"
              "QApd/5Y=:dd5peBOitVnLNFu7VmwP+HiDaaw4OUCv396eVCWhYiE=");
        // A random salt each time.
        CHECK(ecluse::scram_sha256_secret("pencil") != ecluse::scram_sha256_secret("pencil"));
        CHECK(ecluse::scram_sha256_secret("pencil").rfind("SCRAM-SHA-256$4096:", 0) == 0);
        CHECK_THROWS_AS(ecluse::scram_sha256_secret("caf\xc3\xa9"), ecluse::Error);
    }

    TEST_CASE("escaped fields round-trip and refuse unknown escapes") {
        std::string out;
        ecluse::append_escaped(out, "a\tb\nc\\d\re");
        CHECK(out == "a\\tb\\nc\\\\d\\re");
        CHECK(ecluse::unescape(out) == std::optional<std::string>("a\tb\nc\\d\re"));
        CHECK_FALSE(ecluse::unescape("a\\x").has_value());
        CHECK_FALSE(ecluse::unescape("trailing\\").has_value());
    }

} // TEST_SUITE("hash")
