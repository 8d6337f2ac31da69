// The example application in the repository's own migrations/ folder: the
// project that the demo and the documentation use must stay a valid ecluse
// project that shows every feature it is meant to show.

#include "tests/support/e2e.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

namespace fs = std::filesystem;
using ecluse::ProcessResult;
using ecluse::test::read;
using ecluse::test::run_ecluse;
using ecluse::test::source_root;

namespace {

nlohmann::json history_json() {
    ProcessResult history = run_ecluse(source_root(), {"--format", "json", "history"});
    REQUIRE_MESSAGE(history.exit_code == 0, history.errors);
    nlohmann::json document = nlohmann::json::parse(history.output);
    REQUIRE(document.contains("revisions"));
    return document["revisions"];
}

// The pre revisions of the example, by id.
std::set<std::string> pre_revisions(const nlohmann::json& revisions) {
    std::set<std::string> ids;
    for (const auto& revision : revisions) {
        if (revision["branch"] == "pre") {
            ids.insert(revision["revision"].get<std::string>());
        }
    }
    return ids;
}

// The first line after `-- ecluse:upgrade` in a revision file.
std::string first_upgrade_line(const std::string& content) {
    const std::string marker = "\n-- ecluse:upgrade\n";
    auto start = content.find(marker);
    REQUIRE(start != std::string::npos);
    start += marker.size();
    return content.substr(start, content.find('\n', start) - start);
}

// 2026-09-01T09:00:00Z -> 20260901T090000
std::string compact_timestamp(std::string created) {
    std::erase(created, '-');
    std::erase(created, ':');
    std::erase(created, 'Z');
    return created;
}

} // namespace

TEST_SUITE("example project") {

    TEST_CASE("check passes on the repository's own example project") {
        ProcessResult check = run_ecluse(source_root(), {"check"});
        CHECK_MESSAGE(check.exit_code == 0, check.errors);
        CHECK(check.output.find("check passed") != std::string::npos);
        CHECK(check.errors.empty());
    }

    TEST_CASE("heads prints the conflict file byte for byte") {
        ProcessResult heads = run_ecluse(source_root(), {"heads"});
        REQUIRE_MESSAGE(heads.exit_code == 0, heads.errors);
        std::string conflict_file = read(source_root() / "alembic_version_conflict_detection.txt");
        CHECK(heads.output == conflict_file);
        // One head per branch, pre first, each line ending in a newline.
        CHECK(std::count(conflict_file.begin(), conflict_file.end(), '\n') == 2);
        CHECK(conflict_file.find(" (pre) (head)\n") < conflict_file.find(" (post) (head)\n"));
        CHECK(conflict_file.find(" (post) (head)\n") != std::string::npos);
    }

    TEST_CASE("the history has at least three revisions in each branch") {
        nlohmann::json revisions = history_json();
        auto in_branch = [&](const std::string& branch) {
            return std::count_if(revisions.begin(), revisions.end(),
                                 [&](const nlohmann::json& r) { return r["branch"] == branch; });
        };
        CHECK(in_branch("pre") >= 3);
        CHECK(in_branch("post") >= 3);
        CHECK(in_branch("pre") + in_branch("post") == static_cast<long>(revisions.size()));
    }

    TEST_CASE("a pre revision runs outside a transaction for CREATE INDEX CONCURRENTLY") {
        nlohmann::json revisions = history_json();
        bool found = false;
        for (const auto& revision : revisions) {
            if (revision["transaction"] != "none") {
                continue;
            }
            found = true;
            std::string content = read(source_root() / revision["path"].get<std::string>());
            CHECK(content.find("CREATE INDEX CONCURRENTLY IF NOT EXISTS") != std::string::npos);
            CHECK(content.find("DROP INDEX CONCURRENTLY IF EXISTS") != std::string::npos);
        }
        CHECK(found);
    }

    TEST_CASE("a post revision depends on a pre revision, and show prints it") {
        nlohmann::json revisions = history_json();
        std::set<std::string> pre = pre_revisions(revisions);
        std::string post_revision;
        std::string its_dependency;
        for (const auto& revision : revisions) {
            if (revision["branch"] != "post") {
                continue;
            }
            for (const auto& dependency : revision["depends_on"]) {
                if (pre.count(dependency.get<std::string>()) != 0 && post_revision.empty()) {
                    post_revision = revision["revision"].get<std::string>();
                    its_dependency = dependency.get<std::string>();
                }
            }
        }
        REQUIRE_MESSAGE(!post_revision.empty(), "no post revision has depends_on naming a pre one");

        ProcessResult show = run_ecluse(source_root(), {"show", post_revision});
        CHECK_MESSAGE(show.exit_code == 0, show.errors);
        CHECK(show.output.find("Revision: " + post_revision) != std::string::npos);
        CHECK(show.output.find("Branch: post\n") != std::string::npos);
        CHECK(show.output.find("Depends on: " + its_dependency) != std::string::npos);
    }

    TEST_CASE("every revision has a downgrade and says why it is safe in its phase") {
        nlohmann::json revisions = history_json();
        std::set<std::string> months;
        for (const auto& revision : revisions) {
            std::string id = revision["revision"].get<std::string>();
            std::string branch = revision["branch"].get<std::string>();
            std::string created = revision["created"].get<std::string>();
            fs::path path = revision["path"].get<std::string>();
            CAPTURE(path);
            CHECK(path.parent_path() == fs::path("migrations") / branch);
            CHECK(path.filename().string().rfind(compact_timestamp(created) + "_" + id + "_", 0) ==
                  0);
            months.insert(created.substr(0, 7));

            std::string content = read(source_root() / path);
            CHECK(first_upgrade_line(content).rfind("-- Safe in " + branch + ": ", 0) == 0);

            ProcessResult show = run_ecluse(source_root(), {"--format", "json", "show", id});
            REQUIRE_MESSAGE(show.exit_code == 0, show.errors);
            nlohmann::json document = nlohmann::json::parse(show.output);
            CHECK(document["upgrade"].size() >= 1);
            CHECK(document["downgrade"].is_array());
        }
        // Three releases, one month apart.
        CHECK(months.size() >= 3);
    }

} // TEST_SUITE
