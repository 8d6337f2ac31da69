#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace ecluse {

// The two phases of a release; a revision's branch is its folder.
enum class Branch { pre, post };

inline constexpr std::array<Branch, 2> k_branches = {Branch::pre, Branch::post};

constexpr std::string_view branch_name(Branch branch) {
    return branch == Branch::pre ? "pre" : "post";
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

// A revision id per branch, or nullopt for none: where a database stands
// (Position), the heads the conflict file records (ConflictFileHeads).
struct BranchRevisions {
    std::optional<std::string> pre;
    std::optional<std::string> post;

    std::optional<std::string>& operator[](Branch branch) {
        return branch == Branch::pre ? pre : post;
    }
    const std::optional<std::string>& operator[](Branch branch) const {
        return branch == Branch::pre ? pre : post;
    }
    bool operator==(const BranchRevisions&) const = default;
};

} // namespace ecluse
