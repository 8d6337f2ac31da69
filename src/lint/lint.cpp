#include "lint/lint.hpp"

#include "lint/lint_cache.hpp"
#include "lint/statement_checks.hpp"
#include "lint/tree.hpp"
#include "script/sql_splitter.hpp"
#include "util/parallel.hpp"
#include "util/strings.hpp"

#include <pg_query.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>

namespace ecluse {

using lint_detail::CheckLookup;
using lint_detail::decode_revision_lint;
using lint_detail::encode_revision_lint;
using lint_detail::json;
using lint_detail::lint_cache_key;
using lint_detail::NotNullCheck;
using lint_detail::NotNullChecks;
using lint_detail::RawFinding;
using lint_detail::RevisionContext;
using lint_detail::RevisionLint;

namespace {

constexpr std::size_t k_none = static_cast<std::size_t>(-1);

struct ParsedStatement {
    SourceLocation location;
    json tree; // the "stmt" node
};

// One revision's upgrade section, parsed; or the syntax error that stopped it.
struct ParsedRevision {
    const RevisionFile* revision = nullptr;
    std::vector<ParsedStatement> statements;
    std::optional<Finding> syntax_error;
};

Finding make_finding(const SourceLocation& where, std::string_view id, const std::string& subject) {
    const Rule& found = rule(id);
    return {where, std::string(id), found.severity,
            subject.empty() ? std::string(found.reason)
                            : subject + ": " + std::string(found.reason),
            std::string(found.fix)};
}

// Where the `cursor`-th character (1-based) of a statement is in the file.
SourceLocation location_in(const ParsedStatement& statement, const std::string& sql, int cursor) {
    std::size_t offset = cursor > 0 ? utf8_offset(sql, static_cast<std::size_t>(cursor - 1)) : 0;
    LineColumn at = line_column_at(sql, std::min(offset, sql.size()));
    SourceLocation where = statement.location;
    where.line += at.line - 1;
    where.column = at.line == 1 ? where.column + at.column - 1 : at.column;
    return where;
}

ParsedRevision parse_revision(const RevisionFile& revision) {
    ParsedRevision parsed;
    parsed.revision = &revision;
    std::vector<Statement> statements;
    try {
        statements = split_section(revision, revision.upgrade);
    } catch (const InputError& error) {
        Finding finding = make_finding(error.location(), "syntax-error", "");
        finding.message = error.bare_message();
        finding.fix = error.hint().empty() ? finding.fix : error.hint();
        parsed.syntax_error = std::move(finding);
        return parsed;
    }
    for (const Statement& statement : statements) {
        ParsedStatement entry{statement.location, json()};
        PgQueryParseResult result = pg_query_parse(statement.sql.c_str());
        std::unique_ptr<PgQueryParseResult, void (*)(PgQueryParseResult*)> guard(
            &result, [](PgQueryParseResult* r) { pg_query_free_parse_result(*r); });
        if (result.error != nullptr) {
            Finding finding = make_finding(
                location_in(entry, statement.sql, result.error->cursorpos), "syntax-error", "");
            finding.message = result.error->message;
            parsed.syntax_error = std::move(finding);
            return parsed;
        }
        json tree = json::parse(result.parse_tree, nullptr, false);
        for (const json& item : lint_detail::field(tree, "stmts")) {
            parsed.statements.push_back({statement.location, lint_detail::field(item, "stmt")});
        }
    }
    return parsed;
}

// An `-- ecluse:ignore RULE reason` line.
struct Ignore {
    SourceLocation location;
    std::string rule;
    bool used = false;
};

bool is_comment_line(std::string_view line) {
    line = trim(line);
    return line.substr(0, 2) == "--";
}

// The ignores of a section, each attached to the statement right below it
// (comment lines may sit between); problems with them become findings.
std::map<std::size_t, std::vector<Ignore>> read_ignores(const ParsedRevision& parsed,
                                                        std::vector<Finding>& findings) {
    std::map<std::size_t, std::vector<Ignore>> attached;
    const Section& section = parsed.revision->upgrade;
    auto lines = split_lines(section.text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string_view line = trim(lines[i]);
        if (line.substr(0, 2) != "--") {
            continue;
        }
        std::string_view body = trim(line.substr(2));
        constexpr std::string_view k_marker = "ecluse:ignore";
        if (body.substr(0, k_marker.size()) != k_marker ||
            (body.size() > k_marker.size() && body[k_marker.size()] != ' ' &&
             body[k_marker.size()] != '\t')) {
            continue;
        }
        body = trim(body.substr(k_marker.size()));
        std::size_t space = body.find_first_of(" \t");
        std::string id(body.substr(0, space));
        std::string reason(space == std::string_view::npos ? "" : trim(body.substr(space)));
        int file_line = section.first_line + static_cast<int>(i);
        SourceLocation where{parsed.revision->path, file_line,
                             static_cast<int>(lines[i].find('-')) + 1};
        if (find_rule(id) == nullptr) {
            findings.push_back(make_finding(where, "ignore-unknown-rule",
                                            id.empty() ? "ecluse:ignore without a rule id"
                                                       : "ecluse:ignore " + id));
            continue;
        }
        if (reason.empty()) {
            findings.push_back(make_finding(where, "ignore-missing-reason", "ecluse:ignore " + id));
            continue;
        }
        std::optional<std::size_t> target;
        for (std::size_t s = 0; s < parsed.statements.size(); ++s) {
            if (parsed.statements[s].location.line > file_line) {
                target = s;
                break;
            }
        }
        bool adjacent = target.has_value();
        for (int l = file_line + 1; adjacent && l < parsed.statements[*target].location.line; ++l) {
            adjacent = is_comment_line(lines[static_cast<std::size_t>(l - section.first_line)]);
        }
        if (!adjacent) {
            findings.push_back(make_finding(where, "ignore-unused",
                                            "ecluse:ignore " + id +
                                                " is not right above a "
                                                "statement"));
            continue;
        }
        attached[*target].push_back({where, id, false});
    }
    return attached;
}

RevisionLint lint_parsed(const ParsedRevision& parsed, const NotNullChecks& known,
                         const RuleSet& rules) {
    RevisionLint result;
    for (const ParsedStatement& statement : parsed.statements) {
        NotNullChecks own;
        lint_detail::collect_not_null_checks(statement.tree, own);
        for (auto& [name, target] : own) {
            result.checks.push_back({name, target.first, target.second});
        }
    }
    if (parsed.syntax_error) {
        result.findings.push_back(*parsed.syntax_error);
        result.bad_input = true;
        return result;
    }
    const RevisionFile& revision = *parsed.revision;
    RevisionContext context;
    context.branch = revision.branch;
    context.transactional = revision.transaction == TransactionMode::per_migration;
    context.known_checks = &known;
    std::vector<Finding> findings;
    auto ignores = read_ignores(parsed, findings);
    for (std::size_t s = 0; s < parsed.statements.size(); ++s) {
        const ParsedStatement& statement = parsed.statements[s];
        std::vector<RawFinding> raw;
        lint_detail::check_statement(statement.tree, context, raw);
        auto& mine = ignores[s];
        for (const RawFinding& each : raw) {
            auto ignore = std::find_if(mine.begin(), mine.end(),
                                       [&](const Ignore& i) { return i.rule == each.rule; });
            if (ignore != mine.end()) {
                ignore->used = true;
            } else if (rules.enabled(each.rule)) {
                findings.push_back(make_finding(statement.location, each.rule, each.subject));
            }
        }
        for (const Ignore& ignore : mine) {
            if (!ignore.used && rules.enabled(ignore.rule)) {
                findings.push_back(make_finding(ignore.location, "ignore-unused",
                                                "ecluse:ignore " + ignore.rule +
                                                    " matches no finding of the next statement"));
            }
        }
    }
    result.statements = parsed.statements.size();
    for (auto& finding : findings) {
        if (rules.enabled(finding.rule)) {
            result.findings.push_back(std::move(finding));
        }
    }
    for (const std::string& name : context.looked_up) {
        CheckLookup lookup{name, std::nullopt};
        if (auto it = known.find(name); it != known.end()) {
            lookup.found = NotNullCheck{name, it->second.first, it->second.second};
        }
        result.lookups.push_back(std::move(lookup));
    }
    return result;
}

void add_to_report(const RevisionLint& lint, LintReport& report) {
    report.findings.insert(report.findings.end(), lint.findings.begin(), lint.findings.end());
    report.statements += lint.statements;
    report.bad_input = report.bad_input || lint.bad_input;
}

// Whether every name a cached record looked up finds the same today.
bool lookups_hold(const RevisionLint& lint, const NotNullChecks& known) {
    return std::all_of(lint.lookups.begin(), lint.lookups.end(), [&](const CheckLookup& lookup) {
        auto it = known.find(lookup.name);
        if (it == known.end()) {
            return !lookup.found.has_value();
        }
        return lookup.found && lookup.found->table == it->second.first &&
               lookup.found->column == it->second.second;
    });
}

} // namespace

std::size_t LintReport::count(Severity severity) const {
    return static_cast<std::size_t>(
        std::count_if(findings.begin(), findings.end(),
                      [&](const Finding& f) { return f.severity == severity; }));
}

LintReport lint_revisions(Project& project, const std::vector<const RevisionFile*>& targets,
                          const RuleSet& rules) {
    // What the project remembers for each revision; the others are parsed.
    const std::vector<RevisionFile>& all = project.headers();
    std::string key = lint_cache_key(rules);
    std::vector<std::optional<RevisionLint>> cached(all.size());
    std::vector<const RevisionFile*> to_parse;
    std::vector<std::size_t> parsed_index(all.size(), k_none);
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (auto facts = project.lint_facts(all[i].path)) {
            cached[i] = decode_revision_lint(*facts, key, all[i].path);
        }
        if (!cached[i]) {
            parsed_index[i] = to_parse.size();
            to_parse.push_back(&project.sql(all[i]));
        }
    }
    std::vector<ParsedRevision> parsed(to_parse.size());
    for_halves(to_parse.size(), 128, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            parsed[i] = parse_revision(*to_parse[i]);
        }
    });

    // The project's NOT NULL checks, in the order of `all`, as an uncached
    // run collects them.
    NotNullChecks known;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (cached[i]) {
            for (const NotNullCheck& check : cached[i]->checks) {
                known[check.name] = {check.table, check.column};
            }
            continue;
        }
        for (const ParsedStatement& statement : parsed[parsed_index[i]].statements) {
            lint_detail::collect_not_null_checks(statement.tree, known);
        }
    }

    LintReport report;
    for (const RevisionFile* target : targets) {
        auto found = std::lower_bound(
            all.begin(), all.end(), target->path,
            [](const RevisionFile& revision, const std::string& p) { return revision.path < p; });
        std::size_t i = static_cast<std::size_t>(found - all.begin());
        if (found == all.end() || found->path != target->path) {
            // A file outside the project, read whole by the caller.
            add_to_report(lint_parsed(parse_revision(*target), known, rules), report);
            ++report.revisions;
            continue;
        }
        if (cached[i] && lookups_hold(*cached[i], known)) {
            add_to_report(*cached[i], report);
        } else {
            // Parsed above, or cached under other lookups: parsed now.
            RevisionLint fresh =
                cached[i] ? lint_parsed(parse_revision(project.sql(*found)), known, rules)
                          : lint_parsed(parsed[parsed_index[i]], known, rules);
            project.set_lint_facts(found->path, encode_revision_lint(fresh, key, found->path));
            add_to_report(fresh, report);
        }
        ++report.revisions;
    }
    std::stable_sort(report.findings.begin(), report.findings.end(),
                     [](const Finding& a, const Finding& b) {
                         return std::tie(a.location.file, a.location.line, a.location.column) <
                                std::tie(b.location.file, b.location.line, b.location.column);
                     });
    return report;
}

LintReport lint_pending(Project& project, const std::vector<std::string>& pending_ids,
                        const LintSettings& settings) {
    RuleSet rules(settings);
    std::vector<const RevisionFile*> targets;
    for (const auto& revision : project.headers()) {
        if (std::find(pending_ids.begin(), pending_ids.end(), revision.revision) !=
            pending_ids.end()) {
            targets.push_back(&revision);
        }
    }
    return lint_revisions(project, targets, rules);
}

std::string render_finding(const Finding& finding) {
    return finding.location.to_string() + " " + finding.rule + " " +
           std::string(severity_name(finding.severity)) + ": " + finding.message +
           "\n    fix: " + finding.fix;
}

json finding_json(const Finding& finding) {
    return {{"file", finding.location.file},
            {"line", finding.location.line},
            {"column", finding.location.column},
            {"rule", finding.rule},
            {"severity", severity_name(finding.severity)},
            {"message", finding.message},
            {"fix", finding.fix}};
}

namespace {

// Workflow commands end at a line break and treat `%` specially; properties
// also `,` and `:`.
std::string escape_annotation(std::string_view text, bool property) {
    std::string out;
    for (char c : text) {
        if (c == '%') {
            out += "%25";
        } else if (c == '\r') {
            out += "%0D";
        } else if (c == '\n') {
            out += "%0A";
        } else if (property && c == ':') {
            out += "%3A";
        } else if (property && c == ',') {
            out += "%2C";
        } else {
            out += c;
        }
    }
    return out;
}

} // namespace

std::string github_annotation(bool error, const std::string& file, const SourceLocation& location,
                              const std::string& title, const std::string& message) {
    std::string properties;
    if (!file.empty()) {
        properties = "file=" + escape_annotation(file, true);
        if (location.line > 0) {
            properties += ",line=" + std::to_string(location.line);
        }
        if (location.column > 0) {
            properties += ",col=" + std::to_string(location.column);
        }
        properties += ",";
    }
    return "::" + std::string(error ? "error" : "warning") + " " + properties +
           "title=" + escape_annotation(title, true) + "::" + escape_annotation(message, false);
}

std::string github_annotation(const Finding& finding, const std::string& file) {
    return github_annotation(finding.severity == Severity::error, file, finding.location,
                             finding.rule, finding.message + " (fix: " + finding.fix + ")");
}

std::string revision_guidance(Branch branch) {
    if (branch == Branch::pre) {
        return "pre: runs while the current code still runs. Add tables, nullable columns, "
               "NOT VALID constraints, indexes CONCURRENTLY (in a `transaction: none` "
               "revision), backfills. Drops, renames, type changes, SET NOT NULL and "
               "VALIDATE go in post. `ecluse lint` checks it.";
    }
    return "post: runs once the new code runs. Drop what the new code no longer uses, SET NOT "
           "NULL (after a validated CHECK (col IS NOT NULL)), VALIDATE constraints. New tables, "
           "columns and indexes belong in pre. `ecluse lint` checks it.";
}

} // namespace ecluse
