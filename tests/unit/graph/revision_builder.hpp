#pragma once

// In-memory revision files for the graph tests: no files, no database.

#include "script/revision_file.hpp"
#include "script/snapshot_file.hpp"

#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace ecluse::test {

// Header lines every built revision claims, so that tests can tell which
// line a diagnostic points at.
inline constexpr int k_revision_line = 2;
inline constexpr int k_down_revision_line = 3;
inline constexpr int k_depends_on_line = 4;

inline const std::optional<std::string> none = std::nullopt;

inline std::string path_of(Branch branch, const std::string& id) {
    return "migrations/" + std::string(branch_name(branch)) + "/" + id + ".sql";
}

inline RevisionFile make_revision(Branch branch, const std::string& id,
                                  const std::optional<std::string>& parent,
                                  const std::string& created,
                                  const std::vector<std::string>& depends_on) {
    RevisionFile revision;
    revision.path = path_of(branch, id);
    revision.branch = branch;
    revision.revision = id;
    revision.down_revision = parent;
    revision.depends_on = depends_on;
    revision.message = "revision " + id;
    revision.created = created;
    revision.revision_line = k_revision_line;
    revision.down_revision_line = k_down_revision_line;
    revision.depends_on_line = depends_on.empty() ? 0 : k_depends_on_line;
    return revision;
}

inline RevisionFile pre(const std::string& id, const std::optional<std::string>& parent,
                        const std::string& created = "2026-01-01T00:00:00Z",
                        const std::vector<std::string>& depends_on = {}) {
    return make_revision(Branch::pre, id, parent, created, depends_on);
}

inline RevisionFile post(const std::string& id, const std::optional<std::string>& parent,
                         const std::string& created = "2026-01-01T00:00:00Z",
                         const std::vector<std::string>& depends_on = {}) {
    return make_revision(Branch::post, id, parent, created, depends_on);
}

// The ids of revisions, in order, for comparing sequences in one CHECK.
template <typename Revisions>
std::vector<std::string> ids(const Revisions& revisions) {
    std::vector<std::string> out;
    for (const auto& revision : revisions) {
        if constexpr (std::is_pointer_v<std::decay_t<decltype(revision)>>) {
            out.push_back(revision->revision);
        } else {
            out.push_back(revision.revision);
        }
    }
    return out;
}

// A revision as a snapshot records what it replaces.
inline ReplacedRevision replaced(const RevisionFile& revision) {
    return {revision.branch,     revision.revision,          revision.down_revision,
            revision.depends_on, upgrade_checksum(revision), revision.message};
}

// A snapshot at these heads replacing these revisions.
inline SnapshotFile snapshot_of(const std::string& name, std::optional<std::string> pre_head,
                                std::optional<std::string> post_head,
                                const std::vector<RevisionFile>& revisions) {
    SnapshotFile snapshot;
    snapshot.name = name;
    snapshot.path = "migrations/snapshot/" + name;
    snapshot.pre_head = std::move(pre_head);
    snapshot.post_head = std::move(post_head);
    for (const RevisionFile& revision : revisions) {
        snapshot.replaces.push_back(replaced(revision));
    }
    return snapshot;
}

} // namespace ecluse::test

// Readable values in failed assertions instead of doctest's "{?}".
namespace doctest {

template <>
struct StringMaker<std::vector<std::string>> {
    static String convert(const std::vector<std::string>& values) {
        std::string out = "{";
        for (std::size_t i = 0; i < values.size(); ++i) {
            out += (i == 0 ? "" : ", ") + values[i];
        }
        return (out + "}").c_str();
    }
};

template <>
struct StringMaker<std::optional<std::string>> {
    static String convert(const std::optional<std::string>& value) {
        return value ? value->c_str() : "nullopt";
    }
};

} // namespace doctest
