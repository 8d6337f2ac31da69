// --format markdown, end to end: deploy --plan, lint, check and status print
// a heading and a GitHub-flavoured table that a pipeline appends to
// $GITHUB_STEP_SUMMARY; every other command refuses it (exit 2).

#include "tests/e2e/database_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using ecluse::ProcessResult;
using namespace ecluse::test;

namespace {

// The cells of a table row, split at the `|` that are not escaped; empty
// when the line is not a row.
std::vector<std::string> cells_of(const std::string& line) {
    std::vector<std::string> cells;
    if (line.size() < 2 || line.front() != '|' || line.back() != '|') {
        return cells;
    }
    std::string cell;
    for (std::size_t i = 1; i < line.size(); ++i) {
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '|') {
            cell += "\\|";
            ++i;
        } else if (line[i] == '|') {
            cells.push_back(cell.substr(1, cell.size() >= 2 ? cell.size() - 2 : 0));
            cell.clear();
        } else {
            cell += line[i];
        }
    }
    return cells;
}

// A heading line, a blank line, then rows of as many cells as the header,
// the second one the delimiter row: what GitHub renders as one table.
// Returns the rows after the delimiter.
std::vector<std::vector<std::string>> table_of(const std::string& output,
                                               const std::string& heading) {
    std::vector<std::string> lines;
    for (std::size_t start = 0, end; (end = output.find('\n', start)) != std::string::npos;
         start = end + 1) {
        lines.push_back(output.substr(start, end - start));
    }
    REQUIRE_MESSAGE(lines.size() >= 4, output);
    CHECK(lines[0] == "### " + heading);
    CHECK(lines[1].empty());
    std::size_t columns = cells_of(lines[2]).size();
    CHECK(columns >= 3);
    CHECK(cells_of(lines[3]) == std::vector<std::string>(columns, "---"));
    std::vector<std::vector<std::string>> rows;
    for (std::size_t i = 4; i < lines.size(); ++i) {
        rows.push_back(cells_of(lines[i]));
        CHECK_MESSAGE(rows.back().size() == columns, lines[i]);
    }
    CHECK(output.back() == '\n');
    return rows;
}

} // namespace

TEST_CASE("deploy --plan, lint, check and status print a Markdown table, `|` escaped") {
    Project project;
    const fs::path& root = project.root();
    project.add({"aaaaaaaaaaa1", "pre", "items a | b", "CREATE TABLE items (id int);\n"});
    project.add({"bbbbbbbbbbb1", "post", "drop items id", "ALTER TABLE items DROP COLUMN id;\n"});
    std::string url = create_database();

    ProcessResult plan = run_on(root, url, {"--format", "markdown", "deploy", "--plan"});
    REQUIRE_MESSAGE(plan.exit_code == 0, plan.errors);
    auto rows = table_of(plan.output, "ecluse deploy --plan: pre head aaaaaaaaaaa1, post head "
                                      "bbbbbbbbbbb1 (nothing is changed)");
    CHECK(plan.output.find("| Phase | Revision | Message | Note |\n") != std::string::npos);
    REQUIRE(rows.size() == 3);
    CHECK(rows[0] == std::vector<std::string>{"pre", "`aaaaaaaaaaa1`", "items a \\| b", ""});
    CHECK(rows[1] ==
          std::vector<std::string>{
              "deploy", "", "no hook is configured: `ecluse deploy` would refuse to start", ""});
    CHECK(rows[2] == std::vector<std::string>{"post", "`bbbbbbbbbbb1`", "drop items id", ""});

    ProcessResult upgrade = run_on(root, url, {"-q", "upgrade", "pre@head"});
    REQUIRE_MESSAGE(upgrade.exit_code == 0, upgrade.errors);
    ProcessResult status = run_on(root, url, {"--format", "markdown", "status"});
    REQUIRE_MESSAGE(status.exit_code == 0, status.errors);
    rows = table_of(status.output, "ecluse status: 2 revisions, 1 pending");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0][0] == "pre");
    CHECK(rows[0][1] == "`aaaaaaaaaaa1`");
    CHECK(rows[0][2] == "applied");
    CHECK(rows[0][3] == "items a \\| b");
    CHECK(rows[0][4].find("20") == 0);
    CHECK(rows[1] ==
          std::vector<std::string>{"post", "`bbbbbbbbbbb1`", "pending", "drop items id", ""});

    ProcessResult check = run_ecluse(root, {"--format", "markdown", "check"});
    REQUIRE_MESSAGE(check.exit_code == 0, check.errors);
    CHECK(table_of(check.output, "ecluse check passed: 2 revisions, pre head aaaaaaaaaaa1, post "
                                 "head bbbbbbbbbbb1")
              .empty());

    // A pre revision that drops a column: a lint error, and check fails on it.
    fs::path early =
        project.add({"aaaaaaaaaaa2", "pre", "drop early", "ALTER TABLE items DROP COLUMN id;\n"});
    std::string where = "migrations/pre/" + early.filename().string() + ":" +
                        std::to_string(line_of(read(early), "ALTER TABLE")) + ":1";
    ProcessResult lint = run_ecluse(root, {"--format", "markdown", "lint", "--all"});
    CHECK(lint.exit_code == 1);
    rows = table_of(lint.output, "ecluse lint: all 3 revisions: 3 statements, 1 error, 0 warnings");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0][0] == "`" + where + "`");
    CHECK(rows[0][1] == "`pre-drop-column`");
    CHECK(rows[0][2] == "error");
    CHECK(rows[0][3].find("DROP COLUMN items.id") == 0);
    CHECK(contains(lint.errors, where + " pre-drop-column error"));

    check = run_ecluse(root, {"--format", "markdown", "check"});
    CHECK(check.exit_code == 1);
    rows = table_of(check.output, "ecluse check failed: 1 problem");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0][0] == "`" + where + "`");
    CHECK(rows[0][1].find("pre-drop-column: DROP COLUMN items.id") == 0);

    ProcessResult rules = run_ecluse(root, {"--format", "markdown", "lint", "--rules"});
    REQUIRE(rules.exit_code == 0);
    std::string heading = rules.output.substr(4, rules.output.find('\n') - 4);
    rows = table_of(rules.output, heading);
    CHECK(rows.size() > 10);
    CHECK(heading == "ecluse lint --rules: " + std::to_string(rows.size()) + " rules");
}

TEST_CASE("every other command refuses --format markdown, naming those that print it") {
    Project project;
    ProcessResult heads = run_ecluse(project.root(), {"--format", "markdown", "heads"});
    CHECK(heads.exit_code == 2);
    CHECK(heads.output.empty());
    CHECK(heads.errors == "ecluse: error: --format markdown is for deploy --plan, lint, check and "
                          "status, not heads\n  hint: use --format text or json for heads\n");

    ProcessResult deploy =
        run_on(project.root(), create_database(), {"--format", "markdown", "deploy"});
    CHECK(deploy.exit_code == 2);
    CHECK(contains(deploy.errors, "--format markdown is for `deploy --plan`"));

    ProcessResult history =
        ecluse::run_process({"/usr/bin/env", "ECLUSE_FORMAT=markdown", std::getenv("ECLUSE_BIN"),
                             "-C", project.root().string(), "history"});
    CHECK(history.exit_code == 2);
    CHECK(contains(history.errors, "not history"));
}
