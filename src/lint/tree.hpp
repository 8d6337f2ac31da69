#pragma once

// Internal to src/lint: reading libpg_query's JSON parse tree, which omits
// false, zero and empty fields.

#include <nlohmann/json.hpp>

#include <string>

namespace ecluse::lint_detail {

using json = nlohmann::json;

// The field, or null when absent (iterating null visits nothing).
inline const json& field(const json& node, const char* key) {
    static const json absent;
    if (!node.is_object()) {
        return absent;
    }
    auto it = node.find(key);
    return it == node.end() ? absent : *it;
}

inline std::string text(const json& node, const char* key) {
    const json& value = field(node, key);
    return value.is_string() ? value.get<std::string>() : std::string();
}

inline bool flag(const json& node, const char* key) {
    const json& value = field(node, key);
    return value.is_boolean() && value.get<bool>();
}

// A list of String nodes as a dotted name: ["public", "users"] -> "public.users".
inline std::string dotted(const json& list) {
    std::string name;
    for (const json& item : list) {
        std::string part = text(field(item, "String"), "sval");
        if (!part.empty()) {
            name += (name.empty() ? "" : ".") + part;
        }
    }
    return name;
}

// A RangeVar as written: "schema.table" or "table".
inline std::string relation_name(const json& range_var) {
    std::string schema = text(range_var, "schemaname");
    std::string name = text(range_var, "relname");
    return schema.empty() ? name : schema + "." + name;
}

} // namespace ecluse::lint_detail
