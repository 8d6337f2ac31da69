// Fuzzes the lint entry point: any upgrade section, in either branch and
// transaction mode, with every rule on, lints without throwing, and every
// finding names a known rule at a line of the file.

#include "lint/lint.hpp"
#include "util/error.hpp"
#include "util/strings.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    // The first byte picks the branch and the transaction mode.
    bool post = (data[0] & 1) != 0;
    bool none = (data[0] & 2) != 0;
    std::string_view sql(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::string content = std::string("-- revision: a1b2c3d4e5f6\n-- down_revision: none\n"
                                      "-- message: fuzz\n-- created: 2026-01-01T00:00:00Z\n"
                                      "-- transaction: ") +
                          (none ? "none" : "per-migration") + "\n\n-- ecluse:upgrade\n" +
                          std::string(sql);
    std::vector<ecluse::RevisionFile> all;
    try {
        all.push_back(ecluse::parse_revision_file(
            content, "fuzz.sql", post ? ecluse::Branch::post : ecluse::Branch::pre));
    } catch (const ecluse::Error&) {
        return 0; // the revision file parser's own fuzz target covers this
    }
    ecluse::RuleSet rules;
    rules.set("conventions", true);
    ecluse::Project project = ecluse::Project::from_revisions(all);
    ecluse::LintReport report = ecluse::lint_revisions(project, {&all.front()}, rules);
    // Lines end in LF, CRLF or CR, as the revision file parser reads them.
    int lines = static_cast<int>(ecluse::split_lines(content).size()) + 1;
    for (const auto& finding : report.findings) {
        if (ecluse::find_rule(finding.rule) == nullptr || finding.location.line < 1 ||
            finding.location.line > lines || finding.message.empty()) {
            std::fprintf(stderr, "bad finding %s at %s: %s\n", finding.rule.c_str(),
                         finding.location.to_string().c_str(), finding.message.c_str());
            std::abort();
        }
        (void)ecluse::render_finding(finding);
        (void)ecluse::github_annotation(finding, finding.location.file);
    }
    return 0;
}
