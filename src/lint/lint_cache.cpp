#include "lint/lint_cache.hpp"

#include "ecluse_version.hpp"
#include "util/hash.hpp"
#include "util/strings.hpp"

#include <array>
#include <charconv>

namespace ecluse::lint_detail {

namespace {

// Bump when what lint finds for the same input, or this format, changes
// without a new version number.
constexpr std::string_view k_format = "ecluse-lint 1";

void add_field(std::string& out, std::string_view text) {
    out += '\t';
    append_escaped(out, text);
}

template <typename Number>
void add_number(std::string& out, Number value) {
    out += '\t';
    out += std::to_string(value);
}

template <typename Number>
bool read_number(std::string_view text, Number& value) {
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

// A line's tab-separated fields after its tag, unescaped.
bool read_fields(std::string_view line, std::vector<std::string>& fields) {
    fields.clear();
    while (true) {
        std::size_t tab = line.find('\t');
        auto field = unescape(line.substr(0, tab));
        if (!field) {
            return false;
        }
        fields.push_back(std::move(*field));
        if (tab == std::string_view::npos) {
            return true;
        }
        line.remove_prefix(tab + 1);
    }
}

} // namespace

std::string lint_cache_key(const RuleSet& rules) {
    std::string identity = std::string(k_format) + "\n" + ECLUSE_VERSION + "\n";
    for (const Rule& each : lint_rules()) {
        if (rules.enabled(each.id)) {
            identity += each.id;
            identity += '\n';
        }
    }
    return hex64(xxh64(identity));
}

// Lines: the key; "s" statements bad_input; "c" name table column; "l"
// name found [table column]; "f" line column rule severity file message fix.
std::string encode_revision_lint(const RevisionLint& lint, std::string_view key,
                                 const std::string& path) {
    std::string out(key);
    out += "\ns";
    add_number(out, lint.statements);
    add_number(out, lint.bad_input ? 1 : 0);
    for (const NotNullCheck& check : lint.checks) {
        out += "\nc";
        add_field(out, check.name);
        add_field(out, check.table);
        add_field(out, check.column);
    }
    for (const CheckLookup& lookup : lint.lookups) {
        out += "\nl";
        add_field(out, lookup.name);
        add_number(out, lookup.found ? 1 : 0);
        if (lookup.found) {
            add_field(out, lookup.found->table);
            add_field(out, lookup.found->column);
        }
    }
    for (const Finding& finding : lint.findings) {
        out += "\nf";
        add_number(out, finding.location.line);
        add_number(out, finding.location.column);
        add_field(out, finding.rule);
        add_number(out, finding.severity == Severity::error ? 1 : 0);
        add_field(out, finding.location.file == path ? "" : finding.location.file);
        add_field(out, finding.message);
        add_field(out, finding.fix);
    }
    return out;
}

std::optional<RevisionLint> decode_revision_lint(std::string_view text, std::string_view key,
                                                 const std::string& path) {
    std::size_t newline = text.find('\n');
    if (text.substr(0, newline) != key || newline == std::string_view::npos) {
        return std::nullopt;
    }
    text.remove_prefix(newline + 1);
    RevisionLint lint;
    std::vector<std::string> field;
    bool counted = false;
    while (!text.empty()) {
        newline = text.find('\n');
        std::string_view line = text.substr(0, newline);
        text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
        if (line.size() < 2 || line[1] != '\t' || !read_fields(line.substr(2), field)) {
            return std::nullopt;
        }
        char tag = line[0];
        if (tag == 's' && !counted && field.size() == 2) {
            int bad = 0;
            if (!read_number(field[0], lint.statements) || !read_number(field[1], bad) ||
                (bad != 0 && bad != 1)) {
                return std::nullopt;
            }
            lint.bad_input = bad == 1;
            counted = true;
        } else if (tag == 'c' && counted && field.size() == 3) {
            lint.checks.push_back({field[0], field[1], field[2]});
        } else if (tag == 'l' && counted && (field.size() == 2 || field.size() == 4)) {
            CheckLookup lookup{field[0], std::nullopt};
            if ((field[1] == "1") != (field.size() == 4) || (field[1] != "0" && field[1] != "1")) {
                return std::nullopt;
            }
            if (field.size() == 4) {
                lookup.found = NotNullCheck{field[0], field[2], field[3]};
            }
            lint.lookups.push_back(std::move(lookup));
        } else if (tag == 'f' && counted && field.size() == 7) {
            Finding finding;
            int error = 0;
            if (!read_number(field[0], finding.location.line) ||
                !read_number(field[1], finding.location.column) || find_rule(field[2]) == nullptr ||
                !read_number(field[3], error) || (error != 0 && error != 1)) {
                return std::nullopt;
            }
            finding.rule = field[2];
            finding.severity = error == 1 ? Severity::error : Severity::warning;
            finding.location.file = field[4].empty() ? path : field[4];
            finding.message = std::move(field[5]);
            finding.fix = std::move(field[6]);
            lint.findings.push_back(std::move(finding));
        } else {
            return std::nullopt;
        }
    }
    if (!counted) {
        return std::nullopt;
    }
    return lint;
}

} // namespace ecluse::lint_detail
