#include "lint/data_dump.hpp"

#include "lint/tree.hpp"
#include "util/strings.hpp"

#include <pg_query.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <memory>

namespace ecluse {

using lint_detail::field;
using lint_detail::json;
using lint_detail::text;

namespace {

// The session settings pg_dump writes at the top of a dump (PostgreSQL 9.6
// to 17); any other is refused.
constexpr std::array k_dump_settings = {"statement_timeout",
                                        "lock_timeout",
                                        "idle_in_transaction_session_timeout",
                                        "transaction_timeout",
                                        "client_encoding",
                                        "standard_conforming_strings",
                                        "search_path",
                                        "check_function_bodies",
                                        "xmloption",
                                        "client_min_messages",
                                        "row_security",
                                        "default_tablespace",
                                        "default_table_access_method",
                                        "default_with_oids"};

bool is_dump_setting(std::string_view name) {
    return std::find(k_dump_settings.begin(), k_dump_settings.end(), name) != k_dump_settings.end();
}

// What a statement is to the load.
enum class Kind { setting, data, refused };

struct Verdict {
    Kind kind = Kind::refused;
    std::string filled; // data: the table or sequence filled, "schema.name" or "name"
    std::string schema; // data: its schema as written, "" when unqualified
    std::string hint;   // refused: what to do instead
};

const char* const k_generic_hint =
    "`data load` runs only a data-only dump: make one with `ecluse data dump FILE` or "
    "`pg_dump --data-only`; schema changes belong in a revision (`ecluse revision`), other "
    "SQL in a seeder (seeds/)";

Verdict refused(std::string hint) {
    return {Kind::refused, {}, {}, std::move(hint)};
}

// Only the keys of `node` in `allowed` are present: a node that holds
// something else is not what pg_dump writes.
bool only_keys(const json& node, std::initializer_list<std::string_view> allowed) {
    if (!node.is_object()) {
        return false;
    }
    for (const auto& [key, value] : node.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
            return false;
        }
    }
    return true;
}

// A literal, NULL, DEFAULT, a cast of one, or an ARRAY[...] of them: a
// value that runs no function of anyone's.
bool is_constant(const json& node) {
    if (field(node, "A_Const").is_object() || field(node, "SetToDefault").is_object()) {
        return true;
    }
    if (const json& cast = field(node, "TypeCast"); cast.is_object()) {
        return is_constant(field(cast, "arg"));
    }
    if (const json& array = field(node, "A_ArrayExpr"); array.is_object()) {
        const json& elements = field(array, "elements");
        return std::all_of(elements.begin(), elements.end(),
                           [](const json& element) { return is_constant(element); });
    }
    return false;
}

bool all_constant(const json& list) {
    return std::all_of(list.begin(), list.end(),
                       [](const json& item) { return is_constant(item); });
}

Verdict relation_verdict(const json& relation) {
    std::string schema = text(relation, "schemaname");
    return {Kind::data, lint_detail::relation_name(relation), schema, {}};
}

Verdict insert_verdict(const json& insert) {
    const char* hint = "write the rows as VALUES of constants, as `pg_dump --inserts` does, or "
                       "put this SQL in a seeder (seeds/)";
    if (!only_keys(insert, {"relation", "cols", "selectStmt", "onConflictClause", "override"})) {
        return refused(hint); // WITH or RETURNING
    }
    if (const json& conflict = field(insert, "onConflictClause");
        !conflict.is_null() && (!only_keys(conflict, {"action", "location"}) ||
                                text(conflict, "action") != "ONCONFLICT_NOTHING")) {
        return refused(hint);
    }
    if (const json& select = field(field(insert, "selectStmt"), "SelectStmt"); !select.is_null()) {
        if (!only_keys(select, {"valuesLists", "limitOption", "op"}) ||
            text(select, "op") != "SETOP_NONE") {
            return refused(hint); // INSERT ... SELECT
        }
        for (const json& row : field(select, "valuesLists")) {
            if (!all_constant(field(field(row, "List"), "items"))) {
                return refused(hint);
            }
        }
    } else if (!field(insert, "selectStmt").is_null()) {
        return refused(hint);
    }
    return relation_verdict(field(insert, "relation"));
}

Verdict copy_verdict(const json& copy) {
    if (!lint_detail::flag(copy, "is_from") || !field(copy, "filename").is_null() ||
        lint_detail::flag(copy, "is_program") || !field(copy, "query").is_null() ||
        !field(copy, "whereClause").is_null()) {
        return refused("only `COPY table (columns) FROM stdin;` followed by its rows and a `\\.` "
                       "line is loaded, as pg_dump writes it: ecluse reads no file and runs no "
                       "program on the server");
    }
    return relation_verdict(field(copy, "relation"));
}

// "schema.name" of a regclass literal such as 'public."Odd_seq"', and its schema.
Verdict sequence_verdict(std::string_view literal) {
    std::vector<std::string> parts;
    std::string part;
    bool quoted = false;
    for (std::size_t i = 0; i < literal.size(); ++i) {
        char c = literal[i];
        if (c == '"') {
            if (quoted && i + 1 < literal.size() && literal[i + 1] == '"') {
                part += '"';
                ++i;
            } else {
                quoted = !quoted;
            }
        } else if (c == '.' && !quoted) {
            parts.push_back(std::move(part));
            part.clear();
        } else {
            part += quoted ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    parts.push_back(std::move(part));
    std::string schema = parts.size() > 1 ? parts[parts.size() - 2] : "";
    return {Kind::data, std::string(literal), schema, {}};
}

Verdict select_verdict(const json& select) {
    const char* hint = "a data-only dump selects only `pg_catalog.setval(...)` and "
                       "`pg_catalog.set_config(...)` with constant arguments: put other queries "
                       "in a seeder (seeds/)";
    const json& targets = field(select, "targetList");
    if (!only_keys(select, {"targetList", "limitOption", "op"}) || targets.size() != 1) {
        return refused(hint);
    }
    const json& call = field(field(field(targets[0], "ResTarget"), "val"), "FuncCall");
    const json& args = field(call, "args");
    if (!only_keys(call, {"funcname", "args", "funcformat", "location"}) || !all_constant(args) ||
        args.empty()) {
        return refused(hint);
    }
    std::string function = lint_detail::dotted(field(call, "funcname"));
    std::string first = text(field(field(args[0], "A_Const"), "sval"), "sval");
    if (function == "pg_catalog.setval" && (args.size() == 2 || args.size() == 3)) {
        return sequence_verdict(first);
    }
    if (function == "pg_catalog.set_config" && args.size() == 3 && is_dump_setting(first)) {
        return {Kind::setting, {}, {}, {}};
    }
    if (function == "setval" || function == "set_config") {
        return refused("write it `pg_catalog." + function +
                       "(...)`, as pg_dump does: an unqualified name may call another function");
    }
    return refused(hint);
}

Verdict verdict_of(const json& stmt) {
    if (const json& insert = field(stmt, "InsertStmt"); insert.is_object()) {
        return insert_verdict(insert);
    }
    if (const json& copy = field(stmt, "CopyStmt"); copy.is_object()) {
        return copy_verdict(copy);
    }
    if (const json& select = field(stmt, "SelectStmt"); select.is_object()) {
        return select_verdict(select);
    }
    if (const json& set = field(stmt, "VariableSetStmt"); set.is_object()) {
        if (text(set, "kind") == "VAR_SET_VALUE" && is_dump_setting(text(set, "name"))) {
            return {Kind::setting, {}, {}, {}};
        }
        return refused(
            "a data-only dump sets only pg_dump's own session settings (" +
            join(std::vector<std::string>(k_dump_settings.begin(), k_dump_settings.end()), ", ") +
            "): remove this line");
    }
    if (field(stmt, "TransactionStmt").is_object()) {
        return refused("remove it: the whole load runs in one transaction, so that a failure "
                       "leaves the database exactly as it was");
    }
    return refused(k_generic_hint);
}

// The statement's first words, for a message: at most six, on one line.
std::string opening_words(std::string_view sql) {
    constexpr std::size_t k_words = 6;
    std::vector<std::string> words(1);
    bool more = false;
    for (char c : sql) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            if (!words.back().empty()) {
                words.emplace_back();
            }
        } else if (words.size() > k_words) {
            more = true;
            break;
        } else {
            words.back() += c;
        }
    }
    if (words.back().empty()) {
        words.pop_back();
    }
    std::string out = join(words, " ");
    if (out.size() > 60) {
        return out.substr(0, 57) + "...";
    }
    return more ? out + " ..." : out;
}

json parse_tree(const Statement& statement) {
    PgQueryParseResult result = pg_query_parse(statement.sql.c_str());
    std::unique_ptr<PgQueryParseResult, void (*)(PgQueryParseResult*)> guard(
        &result, [](PgQueryParseResult* r) { pg_query_free_parse_result(*r); });
    // The splitter parsed the file already: an error here cannot happen.
    if (result.error != nullptr) {
        throw InputError(statement.location, result.error->message);
    }
    return json::parse(result.parse_tree, nullptr, false);
}

} // namespace

DataDump read_data_dump(std::string_view content, const std::string& path,
                        const std::string& ledger_schema) {
    DataDump dump;
    for (Statement& statement :
         split_statements(content, SourceLocation{path, 1, 1}, MetaCommands::dump_markers)) {
        json tree = parse_tree(statement);
        const json& stmts = field(tree, "stmts");
        Verdict verdict =
            stmts.size() == 1 ? verdict_of(field(stmts[0], "stmt")) : refused(k_generic_hint);
        if (verdict.kind == Kind::refused) {
            throw InputError(statement.location,
                             "`" + printable(opening_words(statement.sql)) +
                                 "` is not what a data-only dump holds: nothing was loaded",
                             verdict.hint);
        }
        if (verdict.kind == Kind::data && verdict.schema == ledger_schema) {
            if (std::find(dump.skipped.begin(), dump.skipped.end(), verdict.filled) ==
                dump.skipped.end()) {
                dump.skipped.push_back(verdict.filled);
            }
            continue;
        }
        dump.data_statements += verdict.kind == Kind::data ? 1 : 0;
        dump.statements.push_back(std::move(statement));
    }
    return dump;
}

} // namespace ecluse
