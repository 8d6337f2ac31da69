#pragma once

// The safety analysis (docs/lint-rules.md): every statement of a revision's upgrade
// section is parsed with PostgreSQL's own parser (libpg_query) and checked
// against the rules of rules.hpp, knowing the revision's branch (pre or
// post), its transaction mode and what the revision itself creates.
// Downgrade sections are not linted (they undo a revision on purpose).

#include "lint/rules.hpp"
#include "script/project.hpp"
#include "script/revision_file.hpp"
#include "util/error.hpp"

#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace ecluse {

struct Finding {
    SourceLocation location; // the statement's first token (or the ignore line)
    std::string rule;        // a rule id of rules.hpp
    Severity severity = Severity::error;
    std::string message; // one line: the statement's subject and the rule's reason
    std::string fix;     // one line: what to write instead
};

struct LintReport {
    std::vector<Finding> findings; // by file, then line
    std::size_t revisions = 0;     // linted
    std::size_t statements = 0;    // linted
    // A section PostgreSQL could not parse (its findings are syntax-error):
    // bad input, exit 2.
    bool bad_input = false;

    std::size_t count(Severity severity) const;
};

// Lints `targets`; `all` (the whole project, targets included) tells which
// CHECK (col IS NOT NULL) constraints earlier revisions added, so that a
// VALIDATE of one makes a later SET NOT NULL safe. Findings a rule set
// switches off, or an `-- ecluse:ignore RULE reason` line right above the
// statement silences, are left out. Never throws for the content of the
// revisions: malformed SQL becomes a syntax-error finding at its file:line:col.
//
// Each revision's findings are kept by the project (and its cache) per
// content, rule set and ecluse version, and reused when the project's
// CHECK constraints it relies on are unchanged: the report is the same as
// without. `targets` are revisions of the project (its headers, or copies
// of them such as the graph's), or files outside it read with their SQL;
// project.headers() is `all`.
LintReport lint_revisions(Project& project, const std::vector<const RevisionFile*>& targets,
                          const RuleSet& rules);

// For deploy's preflight: lints the revisions with these ids (the pending
// ones) with the project's [lint] settings. `report.count(Severity::error)`
// tells whether deploy must refuse (unless --allow-unsafe). Throws
// InputError for an unknown rule id in the settings.
LintReport lint_pending(Project& project, const std::vector<std::string>& pending_ids,
                        const LintSettings& settings);

// `path:line:col rule severity: message` then an indented `fix:` line.
std::string render_finding(const Finding& finding);

// {"file", "line", "column", "rule", "severity", "message", "fix"}
nlohmann::json finding_json(const Finding& finding);

// A GitHub workflow annotation, `::error file=F,line=L,col=C,title=TITLE::MESSAGE`
// (`::warning ...` unless `error`), escaped as GitHub reads it. `file` is
// relative to the repository's top; without one, no file, line or col.
std::string github_annotation(bool error, const std::string& file, const SourceLocation& location,
                              const std::string& title, const std::string& message);

// A finding as a GitHub annotation titled with its rule, its fix in the
// message; `file`: the finding's file relative to the repository's top.
std::string github_annotation(const Finding& finding, const std::string& file);

// A short reminder of what belongs in a branch, printed by `revision`.
std::string revision_guidance(Branch branch);

} // namespace ecluse
