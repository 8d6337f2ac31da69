#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace ecluse {

// The two phases of a release; a revision's branch is its folder.
enum class Branch { pre, post };

inline constexpr std::array<Branch, 2> k_branches = {Branch::pre, Branch::post};

constexpr std::string_view branch_name(Branch branch) {
    return branch == Branch::pre ? "pre" : "post";
}

constexpr Branch other_branch(Branch branch) {
    return branch == Branch::pre ? Branch::post : Branch::pre;
}

inline std::optional<Branch> parse_branch(std::string_view name) {
    if (name == "pre") {
        return Branch::pre;
    }
    if (name == "post") {
        return Branch::post;
    }
    return std::nullopt;
}

} // namespace ecluse
