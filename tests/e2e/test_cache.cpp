// The revision cache seen from the command line: `heads`, `history`,
// `check` and `lint` print exactly what they print without it, whatever
// happened to the files or to the cache since the last run.

#include "tests/support/e2e.hpp"
#include "util/file.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <thread>

using namespace ecluse::test;
namespace fs = std::filesystem;

namespace {

std::string revision(const std::string& id, const std::string& parent,
                     const std::string& upgrade = "SELECT 1;\n") {
    return "-- revision: " + id + "\n-- down_revision: " + parent +
           "\n-- message: m\n-- created: 2026-11-22T14:30:00Z\n\n-- ecluse:upgrade\n" + upgrade +
           "\n-- ecluse:downgrade\nSELECT 2;\n";
}

struct Project {
    TempDir dir;
    TempDir cache_home;

    Project() {
        REQUIRE(run_ecluse(dir.path(), {"init", "--no-hook"}).exit_code == 0);
        add("pre", "1_a.sql", revision("aaaaaaaaaaa1", "none"));
        add("pre", "2_a.sql", revision("aaaaaaaaaaa2", "aaaaaaaaaaa1", "SELECT 22;\n"));
        add("pre", "3_a.sql", revision("aaaaaaaaaaa3", "aaaaaaaaaaa2"));
        add("post", "1_b.sql", revision("bbbbbbbbbbb1", "none"));
        REQUIRE(run_ecluse(dir.path(), {"heads", "--rewrite"}).exit_code == 0);
        settle();
    }

    fs::path file(const std::string& branch, const std::string& name) const {
        return dir.path() / "migrations" / branch / name;
    }
    void add(const std::string& branch, const std::string& name, const std::string& content) {
        write(file(branch, name), content);
    }

    ecluse::ProcessResult run(const std::vector<std::string>& args, bool cache) const {
        std::vector<std::string> argv = {std::getenv("ECLUSE_BIN")};
        argv.insert(argv.end(), args.begin(), args.end());
        ecluse::ProcessOptions options;
        options.working_directory = dir.path();
        options.extra_environment["XDG_CACHE_HOME"] = cache_home.path().string();
        options.extra_environment["ECLUSE_NO_CACHE"] = cache ? "" : "1";
        return ecluse::run_process(argv, options);
    }

    // The cache files written so far.
    std::vector<fs::path> cache_files() const {
        std::vector<fs::path> files;
        if (fs::exists(cache_home.path() / "ecluse")) {
            for (const auto& entry : fs::directory_iterator(cache_home.path() / "ecluse")) {
                files.push_back(entry.path());
            }
        }
        return files;
    }

    // Runs every offline command with and without the cache (twice with
    // it: filling it, then using it) and expects the same results.
    void expect_same_as_without_cache() const {
        for (const auto& args :
             std::vector<std::vector<std::string>>{{"heads"},
                                                   {"history"},
                                                   {"check"},
                                                   {"--format", "json", "check"},
                                                   {"lint", "--all"},
                                                   {"--format", "json", "lint", "--all"}}) {
            CAPTURE(args);
            auto without = run(args, false);
            for (int i = 0; i < 2; ++i) {
                auto with = run(args, true);
                CHECK(with.exit_code == without.exit_code);
                CHECK(with.output == without.output);
                CHECK(with.errors == without.errors);
            }
        }
    }

    // Files must be older than the timestamp granularity to be cached.
    static void settle() { std::this_thread::sleep_for(std::chrono::milliseconds(150)); }
};

void set_mtime(const fs::path& path, timespec mtime) {
    timespec times[2] = {mtime, mtime};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

timespec mtime_of(const fs::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mtim;
}

} // namespace

TEST_SUITE("cache") {

    TEST_CASE("commands write one cache file outside the project, and not with ECLUSE_NO_CACHE") {
        Project p;
        CHECK(p.run({"heads"}, false).exit_code == 0);
        CHECK(p.cache_files().empty());
        CHECK(p.run({"heads"}, true).exit_code == 0);
        REQUIRE(p.cache_files().size() == 1);
        CHECK(p.cache_files()[0].extension() == ".revisions");
        CHECK(ecluse::read_file(p.cache_files()[0]).find("migrations/pre/1_a.sql") !=
              std::string::npos);
        p.expect_same_as_without_cache();
    }

    TEST_CASE("an SQL error made with the same size and mtime is reported at the same line") {
        Project p;
        p.expect_same_as_without_cache(); // the cache records the SQL as checked
        fs::path file = p.file("pre", "2_a.sql");
        timespec before = mtime_of(file);
        p.add("pre", "2_a.sql", revision("aaaaaaaaaaa2", "aaaaaaaaaaa1", "SELEC 22;\n"));
        set_mtime(file, before);
        auto check = p.run({"check"}, true);
        CHECK(check.exit_code == 2);
        CHECK_MESSAGE(check.errors.find("migrations/pre/2_a.sql:7:1") != std::string::npos,
                      check.errors);
        p.expect_same_as_without_cache();
        // Fixed again: passes again.
        p.add("pre", "2_a.sql", revision("aaaaaaaaaaa2", "aaaaaaaaaaa1", "SELECT 22;\n"));
        CHECK(p.run({"check"}, true).exit_code == 0);
    }

    TEST_CASE("a header edited with the same size is seen by heads and check") {
        Project p;
        p.expect_same_as_without_cache();
        fs::path file = p.file("pre", "3_a.sql");
        timespec before = mtime_of(file);
        // aaaaaaaaaaa3 now claims aaaaaaaaaaa1 as parent: two heads.
        p.add("pre", "3_a.sql", revision("aaaaaaaaaaa3", "aaaaaaaaaaa1"));
        set_mtime(file, before);
        auto heads = p.run({"heads"}, true);
        CHECK(heads.exit_code == 1);
        CHECK(heads.output.find("aaaaaaaaaaa3 (pre) (head)") != std::string::npos);
        CHECK(heads.output.find("aaaaaaaaaaa2 (pre) (head)") != std::string::npos);
        p.expect_same_as_without_cache();
    }

    TEST_CASE("renamed and deleted files are seen") {
        Project p;
        p.expect_same_as_without_cache();
        fs::rename(p.file("pre", "3_a.sql"), p.file("pre", "9_renamed.sql"));
        p.expect_same_as_without_cache();
        fs::remove(p.file("pre", "9_renamed.sql"));
        auto check = p.run({"check"}, true);
        CHECK(check.exit_code == 1); // the conflict file still names aaaaaaaaaaa3
        p.expect_same_as_without_cache();
        auto history = p.run({"history"}, true);
        CHECK(history.output.find("aaaaaaaaaaa3") == std::string::npos);
    }

    TEST_CASE("a revision added to a cached folder is seen, its mtime put back or not") {
        Project p;
        p.expect_same_as_without_cache();
        REQUIRE(p.cache_files().size() == 1);
        fs::path folder = p.dir.path() / "migrations" / "pre";
        timespec before = mtime_of(folder);
        p.add("pre", "4_a.sql", revision("aaaaaaaaaaa4", "aaaaaaaaaaa3"));
        set_mtime(folder, before);
        auto heads = p.run({"heads"}, true);
        CHECK(heads.exit_code == 0);
        CHECK(heads.output.find("aaaaaaaaaaa4 (pre) (head)") != std::string::npos);
        p.expect_same_as_without_cache();
        Project::settle();
        p.expect_same_as_without_cache();
        p.add("post", "2_b.sql", revision("bbbbbbbbbbb2", "bbbbbbbbbbb1"));
        CHECK(p.run({"heads"}, true).output.find("bbbbbbbbbbb2 (post) (head)") !=
              std::string::npos);
        p.expect_same_as_without_cache();
    }

    TEST_CASE("a corrupted cache file is ignored and rewritten") {
        Project p;
        p.expect_same_as_without_cache();
        REQUIRE(p.cache_files().size() == 1);
        fs::path cache = p.cache_files()[0];
        std::string text = ecluse::read_file(cache);
        for (std::string bad : {text.substr(0, text.size() / 3), std::string("\x01\x02\n"),
                                text.replace(text.find("aaaaaaaaaaa2"), 1, "f")}) {
            ecluse::write_file_atomically(cache, bad);
            p.expect_same_as_without_cache();
        }
    }

    // Lint findings are cached per file, but a VALIDATE in one file relies
    // on the CHECK (col IS NOT NULL) another file adds: changing only the
    // other file must change the first one's findings, as without the cache.
    TEST_CASE("cached lint findings follow a NOT NULL check defined in another file") {
        Project p;
        auto pre = [](const std::string& constraint) {
            return revision("aaaaaaaaaaa4", "aaaaaaaaaaa3",
                            "ALTER TABLE users ADD COLUMN IF NOT EXISTS email text;\n"
                            "ALTER TABLE users ADD CONSTRAINT " +
                                constraint + " CHECK (email IS NOT NULL) NOT VALID;\n");
        };
        p.add("pre", "4_a.sql", pre("users_email_not_null"));
        p.add("post", "2_b.sql",
              revision("bbbbbbbbbbb2", "bbbbbbbbbbb1",
                       "ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\n"
                       "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"));
        REQUIRE(p.run({"heads", "--rewrite"}, false).exit_code == 0);
        Project::settle();
        p.expect_same_as_without_cache();
        auto clean = p.run({"check"}, true);
        CHECK(clean.exit_code == 0);
        CHECK(clean.errors.find("locking-set-not-null") == std::string::npos);
        CHECK(p.run({"lint", "--all"}, true).exit_code == 0);

        // Only the pre file changes: its constraint gets another name, so
        // the post file's VALIDATE no longer proves the column not null.
        p.add("pre", "4_a.sql", pre("users_email_present"));
        Project::settle();
        p.expect_same_as_without_cache();
        auto unsafe = p.run({"check"}, true);
        CHECK(unsafe.exit_code == 1);
        CHECK(unsafe.errors.find("2_b.sql:8:1: locking-set-not-null") != std::string::npos);
        auto linted = p.run({"lint", "--all"}, true);
        CHECK(linted.exit_code == 1);
        CHECK(linted.errors.find("locking-set-not-null") != std::string::npos);

        // And back: the cached findings of the post file follow again.
        p.add("pre", "4_a.sql", pre("users_email_not_null"));
        Project::settle();
        p.expect_same_as_without_cache();
        CHECK(p.run({"check"}, true).exit_code == 0);
    }

    TEST_CASE("an edited file is linted again, the others come from the cache") {
        Project p;
        p.expect_same_as_without_cache();
        fs::path path = p.file("pre", "2_a.sql");
        std::string text = ecluse::read_file(path);
        text.replace(text.find("SELECT 22;"), 10, "DROP TABLE x;");
        p.add("pre", "2_a.sql", text);
        Project::settle();
        auto check = p.run({"check"}, true);
        CHECK(check.exit_code == 1);
        CHECK(check.errors.find("2_a.sql:7:1: pre-drop-table") != std::string::npos);
        p.expect_same_as_without_cache();
    }
}
