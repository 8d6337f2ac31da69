#include "lint/conventions.hpp"

#include "lint/tree.hpp"

#include <algorithm>

namespace ecluse::lint_detail {

namespace {

bool ends_with(const std::string& text, std::string_view suffix) {
    return text.size() >= suffix.size() &&
           text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_snake_case(const std::string& name) {
    if (name.empty() || name.front() == '_' || name.back() == '_' ||
        (name.front() >= '0' && name.front() <= '9')) {
        return false;
    }
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok || (c == '_' && i > 0 && name[i - 1] == '_')) {
            return false;
        }
    }
    return true;
}

void snake_case(const std::string& what, const std::string& name,
                std::vector<RawFinding>& findings) {
    if (!name.empty() && !is_snake_case(name)) {
        findings.push_back({"convention-snake-case", what + " \"" + name + "\""});
    }
}

// The last word of a snake_case name: "booking_events" -> "events".
std::string last_word(const std::string& name) {
    auto underscore = name.rfind('_');
    return underscore == std::string::npos ? name : name.substr(underscore + 1);
}

bool matches_singular(const std::string& column, const std::string& table, std::string_view prefix,
                      std::string_view suffix) {
    for (const auto& singular : singular_forms(table)) {
        std::string wanted = std::string(prefix) + singular + std::string(suffix);
        if (column == wanted || (prefix == "fk_" && column.rfind(wanted + "_", 0) == 0)) {
            return true;
        }
    }
    return false;
}

std::string expected(const std::string& table, std::string_view prefix, std::string_view suffix) {
    auto forms = singular_forms(table);
    return std::string(prefix) + (forms.empty() ? table : forms.front()) + std::string(suffix);
}

void primary_key(const std::string& table, const std::string& column,
                 std::vector<RawFinding>& findings) {
    if (!matches_singular(column, table, "", "_id")) {
        findings.push_back({"convention-primary-key", "primary key " + table + "." + column +
                                                          " (expected " +
                                                          expected(table, "", "_id") + ")"});
    }
}

void foreign_key(const std::string& table, const std::string& column, const json& target,
                 std::vector<RawFinding>& findings) {
    std::string referenced = text(target, "relname");
    if (!column.empty() && !referenced.empty() &&
        !matches_singular(column, referenced, "fk_", "")) {
        findings.push_back({"convention-foreign-key", "foreign-key column " + table + "." + column +
                                                          " (expected " +
                                                          expected(referenced, "fk_", "") + ")"});
    }
}

} // namespace

std::vector<std::string> singular_forms(const std::string& plural) {
    static const std::vector<std::pair<std::string, std::string>> k_irregular = {
        {"people", "person"}, {"children", "child"}, {"men", "man"},           {"women", "woman"},
        {"data", "datum"},    {"media", "medium"},   {"criteria", "criterion"}};
    std::string word = last_word(plural);
    std::string stem = plural.substr(0, plural.size() - word.size());
    std::vector<std::string> forms;
    for (const auto& [many, one] : k_irregular) {
        if (word == many) {
            forms.push_back(stem + one);
        }
    }
    if (ends_with(word, "ies") && word.size() > 3) {
        forms.push_back(plural.substr(0, plural.size() - 3) + "y");
    }
    for (std::string_view suffix : {"sses", "xes", "zes", "ches", "shes", "ses"}) {
        if (ends_with(word, suffix)) {
            forms.push_back(plural.substr(0, plural.size() - 2));
        }
    }
    if (ends_with(word, "s") && !ends_with(word, "ss") && word.size() > 1) {
        forms.push_back(plural.substr(0, plural.size() - 1));
    }
    return forms;
}

void check_table_conventions(const json& create, std::vector<RawFinding>& findings) {
    std::string table = text(field(create, "relation"), "relname");
    snake_case("table", table, findings);
    if (singular_forms(table).empty()) {
        findings.push_back({"convention-plural-table", "table " + table});
    }
    for (const json& element : field(create, "tableElts")) {
        if (element.contains("ColumnDef")) {
            const json& column = element["ColumnDef"];
            std::string name = text(column, "colname");
            check_column_conventions(table, column, findings);
            for (const json& item : field(column, "constraints")) {
                if (text(field(item, "Constraint"), "contype") == "CONSTR_PRIMARY") {
                    primary_key(table, name, findings);
                }
            }
        } else if (element.contains("Constraint")) {
            const json& constraint = element["Constraint"];
            check_constraint_conventions(table, constraint, findings);
            const json& keys = field(constraint, "keys");
            if (text(constraint, "contype") == "CONSTR_PRIMARY" && keys.size() == 1) {
                primary_key(table, text(field(keys[0], "String"), "sval"), findings);
            }
        }
    }
}

void check_column_conventions(const std::string& table, const json& column,
                              std::vector<RawFinding>& findings) {
    std::string name = text(column, "colname");
    snake_case("column", name, findings);
    for (const json& item : field(column, "constraints")) {
        const json& constraint = field(item, "Constraint");
        snake_case("constraint", text(constraint, "conname"), findings);
        if (text(constraint, "contype") == "CONSTR_FOREIGN") {
            foreign_key(table, name, field(constraint, "pktable"), findings);
        }
    }
}

void check_constraint_conventions(const std::string& table, const json& constraint,
                                  std::vector<RawFinding>& findings) {
    snake_case("constraint", text(constraint, "conname"), findings);
    const json& columns = field(constraint, "fk_attrs");
    if (text(constraint, "contype") == "CONSTR_FOREIGN" && columns.size() == 1) {
        foreign_key(table, text(field(columns[0], "String"), "sval"), field(constraint, "pktable"),
                    findings);
    }
}

void check_index_conventions(const std::string& name, std::vector<RawFinding>& findings) {
    snake_case("index", name, findings);
}

} // namespace ecluse::lint_detail
