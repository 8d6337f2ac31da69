// Fuzzes revision specifiers and ranges, and resolves them against a small
// valid graph (pre: 3 revisions, post: 2, the second depending on pre).
// The first input byte picks the database position; the rest is the text.

#include "graph/revision_graph.hpp"
#include "graph/specifier.hpp"
#include "util/error.hpp"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

using ecluse::Branch;
using ecluse::RevisionFile;

RevisionFile make_revision(Branch branch, const char* id, const char* parent, const char* created) {
    RevisionFile revision;
    revision.path =
        std::string("migrations/") + std::string(ecluse::branch_name(branch)) + "/" + id + ".sql";
    revision.branch = branch;
    revision.revision = id;
    if (parent != nullptr) {
        revision.down_revision = parent;
    }
    revision.message = std::string("revision ") + id;
    revision.created = created;
    revision.upgrade = {"SELECT 1;\n", 8, true};
    revision.downgrade = {"SELECT 2;\n", 11, true};
    return revision;
}

// Ids share prefixes so that prefix lookups can be ambiguous.
const ecluse::RevisionGraph& fixture() {
    static const ecluse::RevisionGraph graph = [] {
        std::vector<RevisionFile> revisions;
        revisions.push_back(
            make_revision(Branch::pre, "a1b2c3d4e5f6", nullptr, "2026-01-01T00:00:00Z"));
        revisions.push_back(
            make_revision(Branch::pre, "a1b2ffff0000", "a1b2c3d4e5f6", "2026-01-02T00:00:00Z"));
        revisions.push_back(
            make_revision(Branch::pre, "0c9d8e7f6a5b", "a1b2ffff0000", "2026-01-03T00:00:00Z"));
        revisions.push_back(
            make_revision(Branch::post, "0c9d11112222", nullptr, "2026-01-02T12:00:00Z"));
        RevisionFile last =
            make_revision(Branch::post, "93ab11f0c2de", "0c9d11112222", "2026-01-04T00:00:00Z");
        last.depends_on = {"a1b2ffff0000"};
        revisions.push_back(std::move(last));
        ecluse::RevisionGraph built(std::move(revisions));
        if (!built.valid()) {
            std::fprintf(stderr, "the fixture graph is invalid\n");
            std::abort();
        }
        return built;
    }();
    return graph;
}

std::optional<ecluse::Position> position_from(std::uint8_t choice) {
    static const std::array<const char*, 4> pre = {nullptr, "a1b2c3d4e5f6", "0c9d8e7f6a5b",
                                                   "ffffffffffff"};
    static const std::array<const char*, 3> post = {nullptr, "0c9d11112222", "93ab11f0c2de"};
    if (choice % 5 == 0) {
        return std::nullopt;
    }
    ecluse::Position position;
    if (const char* at = pre[(choice / 5) % pre.size()]) {
        position.pre = at;
    }
    if (const char* at = post[(choice / 20) % post.size()]) {
        position.post = at;
    }
    return position;
}

void check_targets(const std::vector<ecluse::BranchTarget>& targets,
                   const ecluse::RevisionGraph& graph) {
    for (const auto& target : targets) {
        if (target.revision) {
            const RevisionFile* found = graph.find(*target.revision);
            if (found == nullptr || found->branch != target.branch) {
                std::fprintf(stderr, "resolved to %s, which is not in that branch\n",
                             target.revision->c_str());
                std::abort();
            }
        }
    }
}

template <typename Function>
void expect_only_ecluse_errors(Function&& function) {
    try {
        function();
    } catch (const ecluse::Error&) {
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    const auto& graph = fixture();
    std::optional<ecluse::Position> position = position_from(data[0]);
    std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

    expect_only_ecluse_errors([&] {
        ecluse::Specifier specifier = ecluse::parse_specifier(text);
        check_targets(ecluse::resolve(specifier, graph, position), graph);
    });
    expect_only_ecluse_errors([&] { ecluse::resolve_revision(text, graph, position); });
    expect_only_ecluse_errors([&] {
        ecluse::Range range = ecluse::parse_range(text);
        ecluse::revisions_in_range(range, graph, position);
    });
    return 0;
}
