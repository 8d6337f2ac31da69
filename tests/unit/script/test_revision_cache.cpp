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

std::string describe(const ProjectFiles& files) {
    std::string out;
    for (const auto& revision : files.revisions) {
        out += describe(revision) + "\n";
    }
    for (const auto& problem : files.problems) {
        out += "problem: " + problem.to_string() + "\n";
    }
    return out;
}

// Reads the project through its cache file, as a command does, and saves it.
ProjectFiles
read_cached(const TempProject& project,
            ProjectReadOptions::Sections sections = ProjectReadOptions::Sections::none) {
    RevisionCache cache(project.cache_file(), project.root().string());
    ProjectFiles files = read_project_files(project.root(), {sections, &cache});
    cache.save();
    return files;
}

ProjectFiles read_uncached(const TempProject& project) {
    return read_project_files(project.root(), {ProjectReadOptions::Sections::none, nullptr});
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
        ProjectFiles first = read_cached(p);
        CHECK(first.files_read == 5);
        CHECK(fs::exists(p.cache_file()));
        ProjectFiles second = read_cached(p);
        CHECK(second.files_read == 0);
        CHECK(describe(second) == describe(read_uncached(p)));
        CHECK(describe(second) == describe(first));
        for (const auto& revision : second.revisions) {
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
        ProjectFiles after = read_cached(p);
        CHECK(after.files_read == 1);
        CHECK(describe(after) == describe(read_uncached(p)));
        CHECK(after.revisions[4].message == "THIRD");
    }

    TEST_CASE("an edit that breaks a file is reported as without the cache") {
        TempProject p;
        populate(p);
        read_cached(p);
        p.write("migrations/pre/2_a.sql", "-- revision: nothex\n");
        ProjectFiles after = read_cached(p);
        REQUIRE(after.problems.size() == 1);
        CHECK(after.problems[0].location.file == "migrations/pre/2_a.sql");
        CHECK(after.problems[0].location.line == 1);
        CHECK(describe(after) == describe(read_uncached(p)));
        // A broken file is never cached: it is read (and reported) every time.
        CHECK(read_cached(p).files_read == 1);
    }

    TEST_CASE("renamed and deleted files are seen") {
        TempProject p;
        populate(p);
        read_cached(p);
        fs::rename(p.file("migrations/pre/3_a.sql"), p.file("migrations/pre/9_renamed.sql"));
        fs::remove(p.file("migrations/post/2_b.sql"));
        ProjectFiles after = read_cached(p);
        CHECK(after.files_read == 1);
        CHECK(after.revisions.size() == 4);
        CHECK(describe(after) == describe(read_uncached(p)));
        // The deleted file's entry is gone from the cache file.
        CHECK(read_file(p.cache_file()).find("2_b.sql") == std::string::npos);
        CHECK(read_file(p.cache_file()).find("3_a.sql") == std::string::npos);
    }

    TEST_CASE("a corrupted, truncated or foreign cache is ignored") {
        TempProject p;
        populate(p);
        read_cached(p);
        std::string good = read_file(p.cache_file());
        std::string expected = describe(read_uncached(p));

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
            ProjectFiles files = read_cached(p);
            CHECK(files.files_read == 5);
            CHECK(describe(files) == expected);
            // And the next run trusts the cache it rewrote.
            CHECK(read_cached(p).files_read == 0);
        }

        // The same cache file used for another project root is ignored.
        // (begin_scan loads the file.)
        RevisionCache foreign(p.cache_file(), "/somewhere/else");
        foreign.begin_scan();
        CHECK(foreign.size() == 0);
        RevisionCache own(p.cache_file(), p.root().string());
        CHECK(own.size() == 0);
        own.begin_scan();
        CHECK(own.size() == 5);
    }

    TEST_CASE("an entry that is well checksummed but malformed is not trusted") {
        TempProject p;
        populate(p);
        read_cached(p);
        std::string text = read_file(p.cache_file());
        // Rewrite a revision id into something parse_revision_file refuses,
        // then fix the checksum as a buggy writer would.
        std::size_t at = text.find("aaaaaaaaaaa1\t\t");
        REQUIRE(at != std::string::npos);
        text.replace(at, 12, "AAAAAAAAAAA1");
        write_resealed(p, text, 5);
        ProjectFiles files = read_cached(p);
        CHECK(files.files_read == 1);
        CHECK(describe(files) == describe(read_uncached(p)));
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

    TEST_CASE("sections are loaded only for SQL the cache has not seen checked") {
        TempProject p;
        populate(p);
        using Sections = ProjectReadOptions::Sections;
        ProjectFiles first = read_cached(p, Sections::unchecked);
        CHECK(first.files_read == 5);
        for (const auto& revision : first.revisions) {
            CHECK(revision.sections_loaded);
            CHECK(revision.upgrade.text == "SELECT 1;\n\n");
        }
        // Nothing marked checked: read again.
        CHECK(read_cached(p, Sections::unchecked).files_read == 5);

        RevisionCache cache(p.cache_file(), p.root().string());
        ProjectFiles files = read_project_files(p.root(), {Sections::unchecked, &cache});
        cache.mark_sql_checked(files.revisions[0].path);
        cache.save();
        ProjectFiles after = read_cached(p, Sections::unchecked);
        CHECK(after.files_read == 4);
        CHECK_FALSE(after.revisions[0].sections_loaded);
        CHECK(after.revisions[1].sections_loaded);

        // Touching the file keeps its content: still checked once re-read.
        fs::path file = p.file(files.revisions[0].path);
        set_mtime(file, timespec{mtime_of(file).tv_sec - 10, 0});
        let_settle();
        read_cached(p, Sections::unchecked);
        CHECK(read_cached(p, Sections::unchecked).files_read == 4);
        // Changing it does not.
        p.write(files.revisions[0].path,
                revision_text("aaaaaaaaaaa1", "none", "first", "SELECT 3;\n"));
        let_settle();
        CHECK(read_cached(p, Sections::unchecked).files_read == 5);
    }

    TEST_CASE("an unchanged folder's listing comes from the cache") {
        TempProject p;
        populate(p);
        ProjectFiles first = read_cached(p);
        CHECK(first.folders_listed == 2);
        ProjectFiles second = read_cached(p);
        CHECK(second.folders_listed == 0);
        CHECK(second.files_read == 0);
        CHECK(describe(second) == describe(read_uncached(p)));
        RevisionCache cache(p.cache_file(), p.root().string());
        cache.begin_scan();
        auto listings = cache.listings();
        REQUIRE(listings.size() == 2);
        CHECK(listings[0].first == "migrations/post");
        CHECK(listings[1].first == "migrations/pre");
    }

    TEST_CASE("a file added to a listed folder is seen, even with the folder's mtime put back") {
        TempProject p;
        populate(p);
        read_cached(p);
        fs::path folder = p.file("migrations/pre");
        timespec before = mtime_of(folder);
        p.write("migrations/pre/4_a.sql", revision_text("aaaaaaaaaaa4", "aaaaaaaaaaa3", "new"));
        set_mtime(folder, before); // the change time still tells
        ProjectFiles after = read_cached(p);
        CHECK(after.folders_listed == 1);
        CHECK(after.files_read == 1);
        CHECK(after.revisions.size() == 6);
        CHECK(describe(after) == describe(read_uncached(p)));
    }

    TEST_CASE("a folder that changed just before the run is listed until it settles") {
        TempProject p;
        populate(p);
        read_cached(p);
        p.write("migrations/post/3_b.sql", revision_text("bbbbbbbbbbb3", "bbbbbbbbbbb2", "new"));
        CHECK(read_cached(p).folders_listed == 1);
        // Its stamp was too fresh to be recorded: listed again.
        CHECK(read_cached(p).folders_listed == 1);
        let_settle();
        CHECK(read_cached(p).folders_listed == 1);
        ProjectFiles settled = read_cached(p);
        CHECK(settled.folders_listed == 0);
        CHECK(describe(settled) == describe(read_uncached(p)));

        // The same when a file goes: the files left are settled, the
        // folder is not (a file made in the same clock tick could keep its
        // stamp).
        fs::remove(p.file("migrations/post/3_b.sql"));
        CHECK(read_cached(p).folders_listed == 1);
        CHECK(read_cached(p).folders_listed == 1);
        let_settle();
        CHECK(read_cached(p).folders_listed == 1);
        CHECK(read_cached(p).folders_listed == 0);
    }

    TEST_CASE("a folder with a subfolder or a broken file is listed every time") {
        TempProject p;
        populate(p);
        fs::create_directories(p.file("migrations/pre/old"));
        p.write("migrations/post/9_broken.sql", "-- revision: nothex\n");
        let_settle();
        for (int run = 0; run < 3; ++run) {
            ProjectFiles files = read_cached(p);
            CHECK(files.folders_listed == 2);
            CHECK(files.problems.size() == 1);
        }
        CHECK(read_cached(p).problems.size() == 1); // the broken file is still reported
        fs::remove(p.file("migrations/post/9_broken.sql"));
        fs::remove(p.file("migrations/pre/old"));
        let_settle();
        read_cached(p);
        CHECK(read_cached(p).folders_listed == 0);
    }

    TEST_CASE("a file gone from a listing whose folder kept its stamp is not an error") {
        // As on a file system that does not change a folder's times when a
        // file goes: the cache's listing names a file that is not there.
        TempProject p;
        populate(p);
        read_cached(p);
        std::string text = read_file(p.cache_file());
        fs::remove(p.file("migrations/pre/3_a.sql"));
        // And a subfolder, and another file in its place: listed again, the
        // folder is not plain any more (though it has as many files).
        fs::create_directories(p.file("migrations/pre/old"));
        p.write("migrations/pre/4_a.sql", revision_text("aaaaaaaaaaa4", "aaaaaaaaaaa2", "new"));
        let_settle();
        struct stat info {};
        REQUIRE(::stat(p.file("migrations/pre").c_str(), &info) == 0);
        // The pre folder's line, given the folder's new stamp; the entry of
        // the file that is gone stays.
        std::size_t at = text.find("folder\tmigrations/pre\t");
        REQUIRE(at != std::string::npos);
        std::size_t line_end = text.find('\n', at);
        auto ns = [](const timespec& t) {
            return std::to_string(std::int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec);
        };
        std::string line = "folder\tmigrations/pre\t" + std::to_string(info.st_size) + "\t" +
                           ns(info.st_mtim) + "\t" + ns(info.st_ctim) + "\t" +
                           std::to_string(info.st_ino) + "\t" + std::to_string(info.st_dev) + "\t3";
        text.replace(at, line_end - at, line);
        // Recorded as settled: the run that wrote it started later.
        std::size_t written = text.find("written\t");
        text.replace(written, text.find('\n', written) - written,
                     "written\t" +
                         std::to_string(std::int64_t(info.st_ctim.tv_sec + 10) * 1'000'000'000));
        write_resealed(p, text, 5);
        {
            RevisionCache forged(p.cache_file(), p.root().string());
            forged.begin_scan();
            REQUIRE(forged.listings().size() == 2); // the forgery loads
        }
        ProjectFiles files = read_cached(p);
        CHECK(files.problems.empty());
        CHECK(files.folders_listed == 2); // listed again, every folder
        CHECK(files.revisions.size() == 5);
        CHECK(describe(files) == describe(read_uncached(p)));
        // The listing that misled is not recorded again.
        RevisionCache saved(p.cache_file(), p.root().string());
        saved.begin_scan();
        auto listings = saved.listings();
        REQUIRE(listings.size() == 1);
        CHECK(listings[0].first == "migrations/post");
    }

    TEST_CASE("a listing that does not match its entries is not trusted") {
        TempProject p;
        populate(p);
        read_cached(p);
        std::string text = read_file(p.cache_file());
        std::size_t at = text.find("folder\tmigrations/pre\t");
        REQUIRE(at != std::string::npos);
        std::size_t count_at = text.rfind('\t', text.find('\n', at)) + 1;
        REQUIRE(text.substr(count_at, 2) == "3\n");
        text.replace(count_at, 1, "4");
        write_resealed(p, text, 5);
        ProjectFiles files = read_cached(p);
        CHECK(files.files_read == 5);
        CHECK(files.folders_listed == 2);
        CHECK(describe(files) == describe(read_uncached(p)));
    }

    TEST_CASE("a large cache is parsed in two halves, and checked across them") {
        // 5,000 entries: enough for two threads. Each line's path sorts by i.
        std::vector<std::string> lines;
        for (int i = 0; i < 5000; ++i) {
            char name[32];
            std::snprintf(name, sizeof name, "migrations/pre/%05d.sql", i);
            lines.push_back(std::string(name) + "\t120\t1700000000000000000\t" +
                            "1700000000000000000\t" + std::to_string(i + 1) + "\t2049\t" +
                            std::string(64, 'a') + "\t1\t\taaaaaaaaaaa2\taaaaaaaaaaa1\t\tm\t" +
                            "2026-11-22T14:30:00Z\tnone\t\t\t1\t2\t0\t9\t12\n");
        }
        auto content = [&](const std::vector<std::string>& entries) {
            std::string body = "ecluse-revision-cache\t4\nroot\t/r\nwritten\t"
                               "1800000000000000000\nfolders\t0\n";
            for (const std::string& line : entries) {
                body += line;
            }
            return body + RevisionCache::seal(body, entries.size());
        };
        RevisionCache cache("/nonexistent/cache", "/r");
        REQUIRE(cache.load(content(lines)));
        auto entries = cache.entries();
        REQUIRE(entries.size() == 5000);
        for (int i : {0, 2499, 2500, 2501, 4999}) {
            CAPTURE(i);
            FileStamp stamp{120, 1'700'000'000'000'000'000, 1'700'000'000'000'000'000,
                            std::uint64_t(i + 1), 2049};
            CHECK(entries[std::size_t(i)].second == stamp);
            auto hit = cache.lookup(entries[std::size_t(i)].first, Branch::pre, stamp);
            REQUIRE(hit);
            CHECK(hit->revision.revision == "aaaaaaaaaaa2");
        }
        // Two neighbours swapped are out of order, wherever the file is cut.
        for (std::size_t i = 2450; i < 2550; ++i) {
            CAPTURE(i);
            std::vector<std::string> swapped = lines;
            std::swap(swapped[i], swapped[i + 1]);
            CHECK_FALSE(cache.load(content(swapped)));
        }
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
