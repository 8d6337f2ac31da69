#include "graph/conflict.hpp"

namespace ecluse {

ConflictFileHeads expected_conflict_heads(const RevisionGraph& graph) {
    ConflictFileHeads heads;
    for (Branch branch : k_branches) {
        if (graph.heads(branch).size() == 1) {
            heads[branch] = graph.heads(branch).front()->revision;
        } else if (graph.heads(branch).empty() && graph.valid()) {
            // Every file of the branch deleted after a snapshot: its head stands.
            heads[branch] = graph.snapshot_base(branch);
        }
    }
    return heads;
}

std::vector<Diagnostic> check_conflict_file(const RevisionGraph& graph,
                                            const std::optional<std::string>& content,
                                            const std::string& path) {
    const std::string fix = "run `ecluse heads --rewrite` to write it from the revisions on disk";
    ConflictFileHeads expected = expected_conflict_heads(graph);
    if (!content) {
        if (graph.size() == 0) {
            return {};
        }
        return {{SourceLocation{path}, "the conflict-detection file is missing", fix, false}};
    }
    ConflictFileReading reading = parse_conflict_file(*content, path);
    if (!reading.problems.empty()) {
        return reading.problems;
    }
    std::vector<Diagnostic> problems;
    if (!graph.valid()) {
        // The heads of an invalid graph are not known (a cycle has none, two
        // lines of work have two): the graph's own problems say what to do.
        return problems;
    }
    if (*content != render_conflict_file(expected)) {
        auto show = [](const std::optional<std::string>& head) { return head.value_or("(none)"); };
        std::string message = "the file does not match the heads on disk:";
        for (Branch branch : k_branches) {
            if (reading.heads[branch] != expected[branch]) {
                message += std::string(" ") + std::string(branch_name(branch)) + " head is " +
                           show(expected[branch]) + ", the file says " +
                           show(reading.heads[branch]) + ";";
            }
        }
        if (message.back() == ':') {
            message = "the file's text is not exactly what `ecluse heads` prints";
        } else {
            message.pop_back();
        }
        problems.push_back({SourceLocation{path, 1}, message, fix, false});
    }
    return problems;
}

} // namespace ecluse
