// `ecluse revision`: new files on top of a branch head, and the conflict file.

#include "tests/support/e2e.hpp"

#include <doctest/doctest.h>

#include <regex>

using namespace ecluse::test;

namespace {

struct Project {
    TempDir dir;
    Project() { REQUIRE(run_ecluse(dir.path(), {"init", "--no-hook"}).exit_code == 0); }
    const std::filesystem::path& root() const { return dir.path(); }
    std::string conflict_file() const {
        return read(root() / "alembic_version_conflict_detection.txt");
    }
};

} // namespace

TEST_SUITE("revision") {

    TEST_CASE("a revision file has the header, both sections and a name from its message") {
        Project project;
        auto result = run_ecluse(project.root(),
                                 {"revision", "-m", "Add booking amount!", "--head", "pre@head"});
        REQUIRE(result.exit_code == 0);
        std::string path = result.output.substr(0, result.output.size() - 1);
        CHECK(std::regex_match(
            path,
            std::regex(R"(migrations/pre/\d{8}T\d{6}_[0-9a-f]{12}_add_booking_amount\.sql)")));
        std::string content = read(project.root() / path);
        std::smatch id;
        REQUIRE(std::regex_search(content, id, std::regex("^-- revision: ([0-9a-f]{12})\n")));
        CHECK(content.find("-- down_revision: none\n") != std::string::npos);
        CHECK(content.find("-- message: Add booking amount!\n") != std::string::npos);
        CHECK(content.find("-- transaction: per-migration\n") != std::string::npos);
        CHECK(std::regex_search(content,
                                std::regex(R"(-- created: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n)")));
        CHECK(content.find("\n-- ecluse:upgrade\n") != std::string::npos);
        CHECK(content.find("\n-- ecluse:downgrade\n") != std::string::npos);
        CHECK(path.find(id[1].str()) != std::string::npos);
        CHECK(project.conflict_file() == id[1].str() + " (pre) (head)\n");
    }

    TEST_CASE("each new revision revises its branch's head and rewrites the conflict file") {
        Project project;
        REQUIRE(run_ecluse(project.root(), {"revision", "-m", "a", "--head", "pre@head", "--rev-id",
                                            "a00000000001"})
                    .exit_code == 0);
        REQUIRE(run_ecluse(project.root(), {"revision", "-m", "b", "--head", "post@head",
                                            "--rev-id", "b00000000001"})
                    .exit_code == 0);
        CHECK(project.conflict_file() == "a00000000001 (pre) (head)\nb00000000001 (post) (head)\n");
        REQUIRE(run_ecluse(project.root(), {"revision", "-m", "c", "--head", "pre@head", "--rev-id",
                                            "a00000000002"})
                    .exit_code == 0);
        CHECK(project.conflict_file() == "a00000000002 (pre) (head)\nb00000000001 (post) (head)\n");
        std::string second = read(revision_files(project.root(), "pre").back());
        CHECK(second.find("-- down_revision: a00000000001\n") != std::string::npos);
        CHECK(run_ecluse(project.root(), {"heads"}).output == project.conflict_file());
        CHECK(run_ecluse(project.root(), {"check"}).exit_code == 0);
    }

    TEST_CASE("--no-transaction and --depends-on are written to the header") {
        Project project;
        REQUIRE(run_ecluse(project.root(), {"revision", "-m", "backfill", "--head", "pre@head",
                                            "--rev-id", "a00000000001"})
                    .exit_code == 0);
        auto result = run_ecluse(project.root(), {"revision", "-m", "index", "--head", "post@head",
                                                  "--no-transaction", "--depends-on", "a000",
                                                  "--rev-id", "b00000000001"});
        REQUIRE(result.exit_code == 0);
        std::string content = read(revision_files(project.root(), "post").front());
        CHECK(content.find("-- transaction: none\n") != std::string::npos);
        CHECK(content.find("-- depends_on: a00000000001\n") != std::string::npos);
    }

    TEST_CASE("--head must name a branch head") {
        Project project;
        for (const char* head : {"head", "pre", "pre@base", "a1b2c3"}) {
            auto result = run_ecluse(project.root(), {"revision", "-m", "x", "--head", head});
            CHECK_MESSAGE(result.exit_code == 2, head);
            CHECK(result.errors.find("--head must be pre@head or post@head") != std::string::npos);
        }
        auto missing = run_ecluse(project.root(), {"revision", "-m", "x"});
        CHECK(missing.exit_code == 2);
        CHECK(missing.errors.find("head") != std::string::npos);
        CHECK(revision_files(project.root(), "pre").empty());
    }

    TEST_CASE("an unknown --depends-on writes nothing") {
        Project project;
        auto result = run_ecluse(
            project.root(), {"revision", "-m", "x", "--head", "post@head", "--depends-on", "abcd"});
        CHECK(result.exit_code == 2);
        CHECK(result.errors.find("no revision matches \"abcd\"") != std::string::npos);
        CHECK(revision_files(project.root(), "post").empty());
        CHECK(project.conflict_file().empty());
    }

    TEST_CASE("a branch with two heads gets no new revision until it is fixed") {
        Project project;
        REQUIRE(run_ecluse(project.root(), {"revision", "-m", "a", "--head", "pre@head", "--rev-id",
                                            "a00000000001"})
                    .exit_code == 0);
        std::string copy = read(revision_files(project.root(), "pre").front());
        copy.replace(copy.find("a00000000001"), 12, "a00000000002");
        write(project.root() / "migrations/pre/20260101T000000_a00000000002_copy.sql", copy);
        auto result = run_ecluse(project.root(), {"revision", "-m", "b", "--head", "pre@head"});
        CHECK(result.exit_code == 1);
        CHECK(result.errors.find("pre has 2 heads") != std::string::npos);
        CHECK(result.errors.find("ecluse rebase") != std::string::npos);
        CHECK(revision_files(project.root(), "pre").size() == 2);
    }

} // TEST_SUITE
