#include "graph/specifier.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <charconv>

namespace ecluse {

namespace {

const char* k_grammar = "a specifier is a revision id or prefix of 4+ characters (a1b2), "
                        "a1b2+1, a1b2-2, pre@head, post@head, heads, pre@base, post@base, base, "
                        "or pre@-1 / post@+2 (relative to the database)";

[[noreturn]] void bad_specifier(std::string_view text, const std::string& why) {
    throw UsageError("invalid revision specifier " + quote_value(text) + ": " + why, k_grammar);
}

// Parses "+N" / "-N" (N >= 1); nullopt when the text is not of that form.
std::optional<int> parse_offset(std::string_view text) {
    if (text.size() < 2 || (text[0] != '+' && text[0] != '-')) {
        return std::nullopt;
    }
    int value = 0;
    auto [end, error] = std::from_chars(text.data() + 1, text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value <= 0) {
        return std::nullopt;
    }
    return text[0] == '-' ? -value : value;
}

// The revision `offset` steps from chain position `from` (-1: base).
std::optional<std::string> step(const RevisionGraph& graph, Branch branch, long from, int offset,
                                const std::string& text) {
    const auto& chain = graph.chain(branch);
    long target = from + offset;
    std::string name(branch_name(branch));
    if (target < -1) {
        throw UsageError(quote_value(text) + " goes " + std::to_string(-1 - target) +
                             " revision(s) below the base of " + name,
                         "`ecluse history` shows the chain of " + name);
    }
    if (target >= static_cast<long>(chain.size())) {
        throw UsageError(quote_value(text) + " goes " +
                             std::to_string(target - static_cast<long>(chain.size()) + 1) +
                             " revision(s) past the head of " + name,
                         "`ecluse history` shows the chain of " + name);
    }
    if (target == -1) {
        return std::nullopt;
    }
    return chain[static_cast<std::size_t>(target)]->revision;
}

const RevisionFile& match_prefix(const RevisionGraph& graph, const std::string& prefix,
                                 const std::string& text) {
    auto matches = graph.find_prefix(prefix);
    if (matches.empty()) {
        throw UsageError("no revision matches " + quote_value(text),
                         "`ecluse history` lists every revision");
    }
    if (matches.size() > 1) {
        std::vector<std::string> names;
        for (const RevisionFile* match : matches) {
            names.push_back(match->revision + " (" + match->path + ")");
        }
        throw UsageError(quote_value(prefix) + " is ambiguous: it matches " + join(names, ", "),
                         "give more characters of the revision id");
    }
    return *matches.front();
}

} // namespace

Specifier parse_specifier(std::string_view raw) {
    std::string text = to_lower(trim(raw));
    Specifier spec;
    spec.text = std::string(raw);
    if (text.empty()) {
        bad_specifier(raw, "it is empty");
    }
    if (text == "head" || text.substr(0, 5) == "head+" || text.substr(0, 5) == "head-") {
        throw UsageError(quote_value(raw) +
                             " is ambiguous: ecluse has two branches, each with its own head",
                         "say pre@head or post@head for one branch, or heads for both");
    }
    if (text == "heads") {
        spec.kind = Specifier::Kind::heads;
        return spec;
    }
    if (text == "base") {
        spec.kind = Specifier::Kind::base;
        return spec;
    }
    if (auto at = text.find('@'); at != std::string::npos) {
        auto branch = parse_branch(std::string_view(text).substr(0, at));
        if (!branch) {
            bad_specifier(raw, "the branch before '@' must be pre or post");
        }
        spec.branch = *branch;
        std::string_view rest = std::string_view(text).substr(at + 1);
        if (rest == "head") {
            spec.kind = Specifier::Kind::branch_head;
        } else if (rest == "base") {
            spec.kind = Specifier::Kind::branch_base;
        } else if (auto offset = parse_offset(rest)) {
            spec.kind = Specifier::Kind::branch_relative;
            spec.offset = *offset;
        } else {
            bad_specifier(raw, "after '@' comes head, base, or a signed number such as -1 or +2");
        }
        return spec;
    }
    std::size_t hex_end = 0;
    while (hex_end < text.size() && is_lower_hex(std::string_view(text).substr(hex_end, 1))) {
        ++hex_end;
    }
    spec.kind = Specifier::Kind::revision;
    spec.prefix = text.substr(0, hex_end);
    if (hex_end < text.size()) {
        auto offset = parse_offset(std::string_view(text).substr(hex_end));
        if (!offset) {
            bad_specifier(raw, "not a revision id, prefix or keyword");
        }
        spec.offset = *offset;
    }
    if (spec.prefix.size() < 4) {
        bad_specifier(raw, "a revision prefix needs at least 4 hex characters");
    }
    if (spec.prefix.size() > k_revision_id_length) {
        bad_specifier(raw, "a revision id has 12 hex characters");
    }
    return spec;
}

std::vector<BranchTarget> resolve(const Specifier& spec, const RevisionGraph& graph,
                                  const std::optional<Position>& position) {
    switch (spec.kind) {
    case Specifier::Kind::heads:
        return {{Branch::pre, graph.head(Branch::pre)}, {Branch::post, graph.head(Branch::post)}};
    case Specifier::Kind::base:
        return {{Branch::pre, std::nullopt}, {Branch::post, std::nullopt}};
    case Specifier::Kind::branch_head:
        return {{spec.branch, graph.head(spec.branch)}};
    case Specifier::Kind::branch_base:
        return {{spec.branch, std::nullopt}};
    case Specifier::Kind::branch_relative: {
        if (!position) {
            throw UsageError(quote_value(spec.text) + " is relative to the database's position",
                             "give a database (-d URL) or name a revision instead");
        }
        const auto& current = (*position)[spec.branch];
        long from = -1;
        if (current) {
            const RevisionFile* at = graph.find(*current);
            if (at == nullptr) {
                throw UsageError("the database is at " + *current + " in " +
                                     std::string(branch_name(spec.branch)) +
                                     ", which is not among the revision files",
                                 "`ecluse status` shows orphans; name a revision instead");
            }
            from = static_cast<long>(graph.position_in_chain(*at));
        }
        return {{spec.branch, step(graph, spec.branch, from, spec.offset, spec.text)}};
    }
    case Specifier::Kind::revision: {
        const RevisionFile& match = match_prefix(graph, spec.prefix, spec.text);
        if (spec.offset == 0) {
            return {{match.branch, match.revision}};
        }
        long from = static_cast<long>(graph.position_in_chain(match));
        return {{match.branch, step(graph, match.branch, from, spec.offset, spec.text)}};
    }
    }
    return {};
}

const RevisionFile& resolve_revision(std::string_view text, const RevisionGraph& graph,
                                     const std::optional<Position>& position) {
    auto targets = resolve(parse_specifier(text), graph, position);
    if (targets.size() != 1) {
        throw UsageError(quote_value(text) + " names one place per branch, not one revision",
                         "name one revision: an id, a prefix, pre@head or post@head");
    }
    if (!targets.front().revision) {
        throw UsageError(quote_value(text) + " names the base of " +
                             std::string(branch_name(targets.front().branch)) +
                             ", which is no revision",
                         "an empty branch has only a base: `ecluse heads` shows the heads");
    }
    return *graph.find(*targets.front().revision);
}

Range parse_range(std::string_view text) {
    Range range;
    auto colon = text.find(':');
    std::string_view to_text = colon == std::string_view::npos ? text : text.substr(colon + 1);
    if (colon != std::string_view::npos && !trim(text.substr(0, colon)).empty()) {
        range.from = parse_specifier(text.substr(0, colon));
    }
    if (!trim(to_text).empty()) {
        range.to = parse_specifier(to_text);
    }
    return range;
}

std::vector<const RevisionFile*> revisions_in_range(const Range& range, const RevisionGraph& graph,
                                                    const std::optional<Position>& position) {
    // An omitted side speaks of both branches: FROM is base, TO is heads.
    // A branch is in the range when both sides speak of it, so that
    // `base:pre@head` is `:pre@head` and `a1b2:heads` is `a1b2:`.
    auto from = resolve(range.from.value_or(parse_specifier("base")), graph, position);
    auto to = resolve(range.to.value_or(parse_specifier("heads")), graph, position);
    auto chain_position = [&](const BranchTarget* target) {
        // -1 is the base, before the branch's first revision.
        return target->revision
                   ? static_cast<long>(graph.position_in_chain(*graph.find(*target->revision)))
                   : -1L;
    };
    auto target_for = [](const std::vector<BranchTarget>& targets, Branch branch) {
        auto it = std::find_if(targets.begin(), targets.end(),
                               [&](const BranchTarget& t) { return t.branch == branch; });
        return it == targets.end() ? nullptr : &*it;
    };
    const RevisionFile* first_revision = graph.revisions().data();
    std::vector<char> chosen(graph.size(), 0); // by index in graph.revisions()
    bool any_branch = false;
    for (Branch branch : k_branches) {
        const BranchTarget* lower = target_for(from, branch);
        const BranchTarget* upper = target_for(to, branch);
        if (lower == nullptr || upper == nullptr) {
            continue;
        }
        any_branch = true;
        long first = chain_position(lower);
        long last = chain_position(upper);
        if (first > last) {
            throw UsageError("the range's start comes after its end in " +
                                 std::string(branch_name(branch)),
                             "write the older revision first: FROM:TO");
        }
        const auto& chain = graph.chain(branch);
        for (long i = std::max(first, 0L); i <= last; ++i) {
            chosen[static_cast<std::size_t>(chain[static_cast<std::size_t>(i)] - first_revision)] =
                1;
        }
    }
    if (!any_branch) {
        throw UsageError("the range's start " + quote_value(range.from->text) + " and end " +
                             quote_value(range.to->text) + " are in different branches",
                         "a range runs along one branch, or both: pre@base:pre@head, base:heads");
    }
    std::vector<const RevisionFile*> ordered;
    for (const RevisionFile* revision : graph.topological_order()) {
        if (chosen[static_cast<std::size_t>(revision - first_revision)] != 0) {
            ordered.push_back(revision);
        }
    }
    return ordered;
}

} // namespace ecluse
