#include "script/project.hpp"
#include "script/revision_cache.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/hash.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <thread>

using namespace ecluse;
namespace fs = std::filesystem;

namespace {

// A temporary project folder, removed at the end.
class TempProject {
public:
    TempProject() {
        std::string pattern = (fs::temp_directory_path() / "ecluse-cache-test.XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        m_root = pattern;
        fs::create_directories(m_root / "migrations" / "pre");
        fs::create_directories(m_root / "migrations" / "post");
    }
    ~TempProject() {
        std::error_code ignored;
        fs::remove_all(m_root, ignored);
    }
    TempProject(const TempProject&) = delete;
    TempProject& operator=(const TempProject&) = delete;

    const fs::path& root() const { return m_root; }
    fs::path cache_file() const { return m_root / "cache" / "project.revisions"; }
    fs::path file(const std::string& relative) const { return m_root / relative; }

    void write(const std::string& relative, const std::string& content) const {
        std::ofstream(file(relative), std::ios::binary) << content;
    }

private:
    fs::path m_root;
};

std::string revision_text(const std::string& id, const std::string& parent,
                          const std::string& message, const std::string& upgrade = "SELECT 1;\n") {
    return "-- revision: " + id + "\n-- down_revision: " + parent + "\n-- message: " + message +
           "\n-- created: 2026-11-22T14:30:00Z\n-- transaction: none\n-- lock_timeout: 10s\n\n"
           "-- ecluse:upgrade\n" +
           upgrade + "\n-- ecluse:downgrade\nSELECT 2;\n";
}

// Everything of a revision that the cache keeps, as one comparable string.
std::string describe(const RevisionFile& r) {
    std::string out = r.path + "|" + std::string(branch_name(r.branch)) + "|" + r.revision + "|" +
                      r.down_revision.value_or("<none>") + "|" + r.message + "|" + r.created + "|" +
                      std::string(transaction_mode_name(r.transaction)) + "|" +
                      (r.lock_timeout ? r.lock_timeout->to_string() : "-") + "|" +
                      (r.statement_timeout ? r.statement_timeout->to_string() : "-");
    for (const auto& id : r.depends_on) {
        out += "|d:" + id;
    }
    for (int n : {r.revision_line, r.down_revision_line, r.depends_on_line, r.upgrade.first_line,
                  r.downgrade.first_line, int(r.upgrade.present), int(r.downgrade.present)}) {
        out += "|" + std::to_string(n);
    }
    return out;
}

// What a project read: its headers and problems, as one comparable string.
struct Read {
    std::string description;
    std::size_t files_read = 0;
    std::vector<RevisionFile> headers;
    std::vector<Diagnostic> problems;
};

Read summary(const Project& project) {
    Read read{{}, project.files_read(), project.headers(), project.problems()};
    for (const auto& revision : read.headers) {
        read.description += describe(revision) + "\n";
    }
    for (const auto& problem : read.problems) {
        read.description += "problem: " + problem.to_string() + "\n";
    }
    return read;
}

// Reads the project through its cache file, as a command does, and saves it.
Read read_cached(const TempProject& p) {
    Project project(p.root(), RevisionCache(p.cache_file(), p.root().string()));
    project.save_cache();
    return summary(project);
}

Read read_uncached(const TempProject& p) {
    return summary(Project(p.root()));
}

// Files must be older than the timestamp granularity to be cached.
void let_settle() {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
}

timespec mtime_of(const fs::path& path) {
    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    return info.st_mtim;
}

void set_mtime(const fs::path& path, timespec mtime) {
    timespec times[2] = {mtime, mtime};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
}

// Writes a cache file's `text`, edited, with its last line made to match
// (as a buggy writer would).
void write_resealed(const TempProject& p, const std::string& text, std::size_t entries) {
    std::string body = text.substr(0, text.rfind("end\t"));
    write_file_atomically(p.cache_file(), body + RevisionCache::seal(body, entries));
}

// A project of three pre and two post revisions, settled and cached.
void populate(const TempProject& p) {
    p.write("migrations/pre/1_a.sql", revision_text("aaaaaaaaaaa1", "none", "first"));
    p.write("migrations/pre/2_a.sql", revision_text("aaaaaaaaaaa2", "aaaaaaaaaaa1", "tab\there"));
    p.write("migrations/pre/3_a.sql", revision_text("aaaaaaaaaaa3", "aaaaaaaaaaa2", "third"));
    p.write("migrations/post/1_b.sql", revision_text("bbbbbbbbbbb1", "none", "back\\slash"));
    p.write("migrations/post/2_b.sql", revision_text("bbbbbbbbbbb2", "bbbbbbbbbbb1", "last"));
    let_settle();
}

} // namespace

TEST_SUITE("revision_cache") {

    TEST_CASE("an unchanged project is read from the cache, equal to reading the files") {
        TempProject p;
        populate(p);
        Read first = read_cached(p);
        CHECK(first.files_read == 5);
        CHECK(fs::exists(p.cache_file()));
        Read second = read_cached(p);
        CHECK(second.files_read == 0);
        CHECK(second.description == read_uncached(p).description);
        CHECK(second.description == first.description);
        for (const auto& revision : second.headers) {
            CHECK_FALSE(revision.sections_loaded);
        }
    }

    TEST_CASE("an edit of the same size with the same mtime is seen") {
        TempProject p;
        populate(p);
        read_cached(p);
        fs::path file = p.file("migrations/pre/3_a.sql");
        timespec before = mtime_of(file);
        // Same length, another message; the modification time put back to
        // the nanosecond: only the change time tells.
        p.write("migrations/pre/3_a.sql", revision_text("aaaaaaaaaaa3", "aaaaaaaaaaa2", "THIRD"));
        set_mtime(file, before);
        Read after = read_cached(p);
        CHECK(after.files_read == 1);
        CHECK(after.description == read_uncached(p).description);
        CHECK(after.headers[4].message == "THIRD");
    }

    TEST_CASE("an edit that breaks a file is reported as without the cache") {
        TempProject p;
        populate(p);
        read_cached(p);
        p.write("migrations/pre/2_a.sql", "-- revision: nothex\n");
        Read after = read_cached(p);
        REQUIRE(after.problems.size() == 1);
        CHECK(after.problems[0].location.file == "migrations/pre/2_a.sql");
        CHECK(after.problems[0].location.line == 1);
        CHECK(after.description == read_uncached(p).description);
        // A broken file is never cached: it is read (and reported) every time.
        CHECK(read_cached(p).files_read == 1);
    }

    TEST_CASE("renamed and deleted files are seen") {
        TempProject p;
        populate(p);
        read_cached(p);
        fs::rename(p.file("migrations/pre/3_a.sql"), p.file("migrations/pre/9_renamed.sql"));
        fs::remove(p.file("migrations/post/2_b.sql"));
        Read after = read_cached(p);
        CHECK(after.files_read == 1);
        CHECK(after.headers.size() == 4);
        CHECK(after.description == read_uncached(p).description);
        // The deleted file's entry is gone from the cache file.
        CHECK(read_file(p.cache_file()).find("2_b.sql") == std::string::npos);
        CHECK(read_file(p.cache_file()).find("3_a.sql") == std::string::npos);
    }

    TEST_CASE("a corrupted, truncated or foreign cache is ignored") {
        TempProject p;
        populate(p);
        read_cached(p);
        std::string good = read_file(p.cache_file());
        std::string expected = read_uncached(p).description;

        std::string flipped = good;
        flipped[flipped.find("first")] = 'F'; // a message changed, checksum not
        std::string bad_version = good;
        bad_version.replace(0, bad_version.find('\n'), "ecluse-revision-cache\t9");
        std::vector<std::string> variants = {
            flipped,
            good.substr(0, good.size() / 2),
            good.substr(0, good.size() - 1),
            bad_version,
            "",
            "garbage\n",
            std::string(1000, '\0'),
        };
        for (const std::string& variant : variants) {
            CAPTURE(variant.substr(0, 60));
            write_file_atomically(p.cache_file(), variant);
            Read files = read_cached(p);
            CHECK(files.files_read == 5);
            CHECK(files.description == expected);
            // And the next run trusts the cache it rewrote.
            CHECK(read_cached(p).files_read == 0);
        }

        // The same cache file used for another project root is ignored.
        RevisionCache foreign(p.cache_file(), "/somewhere/else");
        CHECK(foreign.loaded_size() == 0);
        RevisionCache own(p.cache_file(), p.root().string());
        CHECK(own.loaded_size() == 5);
    }

    TEST_CASE("an entry that is well checksummed but malformed is not trusted") {
        TempProject p;
        populate(p);
        read_cached(p);
        std::string text = read_file(p.cache_file());
        // Rewrite a revision id into something parse_revision_file refuses,
        // then fix the checksum as a buggy writer would.
        std::size_t at = text.find("\taaaaaaaaaaa1\t\t");
        REQUIRE(at != std::string::npos);
        text.replace(at + 1, 12, "AAAAAAAAAAA1");
        write_resealed(p, text, 5);
        Read files = read_cached(p);
        CHECK(files.files_read == 1);
        CHECK(files.description == read_uncached(p).description);
    }

    TEST_CASE("a file that changed just before the run is not cached (racy)") {
        TempProject p;
        populate(p);
        read_cached(p);
        p.write("migrations/pre/1_a.sql", revision_text("aaaaaaaaaaa1", "none", "fresh"));
        CHECK(read_cached(p).files_read == 1);
        // Still too fresh when written: read again next time.
        CHECK(read_cached(p).files_read == 1);
        let_settle();
        CHECK(read_cached(p).files_read == 1);
        CHECK(read_cached(p).files_read == 0);
    }

    TEST_CASE("is_settled allows for the file system's timestamp granularity") {
        std::int64_t now = 1'800'000'000'000'000'000;
        FileStamp fine{10, now - 200'000'000 + 1, now - 200'000'000 + 1, 1, 1};
        CHECK(is_settled(fine, now));
        fine.ctime_ns = now - 50'000'000;
        CHECK_FALSE(is_settled(fine, now));
        // Whole seconds: maybe a file system that stores nothing finer.
        FileStamp coarse{10, now - 1'000'000'000, now - 1'000'000'000, 1, 1};
        CHECK_FALSE(is_settled(coarse, now));
        coarse.mtime_ns = coarse.ctime_ns = now - 3'000'000'000;
        CHECK(is_settled(coarse, now));
    }

    TEST_CASE("what was learnt of a content is kept while the content is the same") {
        TempProject p;
        populate(p);
        const std::string path = "migrations/pre/1_a.sql";
        auto open = [&] {
            return Project(p.root(), RevisionCache(p.cache_file(), p.root().string()));
        };
        {
            Project project = open();
            CHECK_FALSE(project.sql_checked(path));
            project.mark_sql_checked(path);
            project.set_lint_facts(path, "facts\twith\\escapes\n");
            project.save_cache();
        }
        {
            Project project = open();
            CHECK(project.files_read() == 0);
            CHECK(project.sql_checked(path));
            CHECK(project.lint_facts(path) == "facts\twith\\escapes\n");
            CHECK_FALSE(project.sql_checked("migrations/pre/2_a.sql"));
            // The SQL of a revision found in the cache is read on demand.
            const RevisionFile& full = project.sql(project.headers()[2]);
            CHECK(full.sections_loaded);
            CHECK(full.upgrade.text == "SELECT 1;\n\n");
            CHECK(project.files_read() == 0); // sql() is not a header read
            project.save_cache();
        }
        // Touching the file keeps its content: still checked once re-read.
        fs::path file = p.file(path);
        set_mtime(file, timespec{mtime_of(file).tv_sec - 10, 0});
        let_settle();
        {
            Project project = open();
            CHECK(project.files_read() == 1);
            CHECK(project.sql_checked(path));
            CHECK(project.lint_facts(path));
            project.save_cache();
        }
        // Changing it does not.
        p.write(path, revision_text("aaaaaaaaaaa1", "none", "first", "SELECT 3;\n"));
        let_settle();
        Project project = open();
        CHECK(project.files_read() == 1);
        CHECK_FALSE(project.sql_checked(path));
        CHECK_FALSE(project.lint_facts(path));
    }

    TEST_CASE("sql() reads a revision's sections once, and refuses a changed header") {
        TempProject p;
        populate(p);
        read_cached(p);
        Project project(p.root(), RevisionCache(p.cache_file(), p.root().string()));
        REQUIRE(project.files_read() == 0);
        const RevisionFile& header = project.headers()[2]; // migrations/pre/1_a.sql
        REQUIRE_FALSE(header.sections_loaded);
        std::string edited = revision_text("aaaaaaaaaaa1", "aaaaaaaaaaa3", "first");
        p.write(header.path, edited);
        CHECK_THROWS_WITH_AS(project.sql(header),
                             doctest::Contains("the file changed while ecluse was reading it"),
                             CheckFailed);
        fs::remove(p.file(header.path));
        CHECK_THROWS_AS(project.sql(header), InputError);

        // A file read from disk keeps its SQL: deleting it afterwards changes nothing.
        Project uncached(p.root());
        const RevisionFile& second = uncached.headers()[3]; // migrations/pre/2_a.sql
        fs::remove(p.file(second.path));
        CHECK(uncached.sql(second).downgrade.text == "SELECT 2;\n");
    }

    TEST_CASE("the cache file lives under XDG_CACHE_HOME, else ~/.cache, and can be off") {
        Settings settings;
        settings.root = "/work/project/";
        std::string root_key;
        auto env = [](std::map<std::string, std::string> values) {
            return [values](const std::string& name) -> std::optional<std::string> {
                auto it = values.find(name);
                return it == values.end() ? std::nullopt : std::optional(it->second);
            };
        };
        auto xdg = revision_cache_file(settings, root_key, env({{"XDG_CACHE_HOME", "/c"}}));
        REQUIRE(xdg);
        CHECK(root_key == "/work/project");
        CHECK(xdg->parent_path() == "/c/ecluse");
        CHECK(xdg->filename().string() == sha256_hex("/work/project").substr(0, 24) + ".revisions");
        auto home = revision_cache_file(settings, root_key, env({{"HOME", "/home/u"}}));
        REQUIRE(home);
        CHECK(home->parent_path() == "/home/u/.cache/ecluse");
        CHECK_FALSE(revision_cache_file(settings, root_key, env({})));
        settings.cache = false;
        CHECK_FALSE(revision_cache_file(settings, root_key, env({{"HOME", "/home/u"}})));
    }
}
