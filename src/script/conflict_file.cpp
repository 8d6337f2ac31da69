#include "script/conflict_file.hpp"

#include "script/revision_file.hpp"
#include "util/strings.hpp"

namespace ecluse {

std::string render_conflict_file(const ConflictFileHeads& heads) {
    std::string out;
    for (Branch branch : k_branches) {
        if (heads[branch]) {
            out += *heads[branch] + " (" + std::string(branch_name(branch)) + ") (head)\n";
        }
    }
    return out;
}

namespace {

bool is_conflict_marker(std::string_view line) {
    for (std::string_view marker : {"<<<<<<<", "=======", ">>>>>>>", "|||||||"}) {
        if (line.substr(0, marker.size()) == marker) {
            return true;
        }
    }
    return false;
}

} // namespace

ConflictFileReading parse_conflict_file(std::string_view content, const std::string& path) {
    ConflictFileReading reading;
    auto problem = [&](int line, std::string message, std::string hint = {}) {
        reading.problems.push_back(
            {SourceLocation{path, line}, std::move(message), std::move(hint), false});
    };
    const std::string rewrite =
        "run `ecluse heads --rewrite` to write it from the revisions on disk";
    std::vector<std::string_view> lines = split_lines(content);
    std::optional<Branch> previous;
    if (auto carriage_return = content.find('\r'); carriage_return != std::string_view::npos) {
        problem(
            line_column_at(content.substr(0, carriage_return), carriage_return).line,
            "a line ends with a carriage return (CR LF or CR): the file's lines end with LF only",
            rewrite);
    }
    for (std::size_t i = 0; i < lines.size(); ++i) {
        int line = static_cast<int>(i + 1);
        std::string_view text = lines[i];
        if (is_conflict_marker(text)) {
            if (!reading.has_conflict_markers) {
                problem(line, "git conflict markers: two lines of work each added a revision",
                        "run `ecluse rebase` to re-chain this work's revisions onto the other "
                        "side's heads and rewrite the file");
            }
            reading.has_conflict_markers = true;
            continue;
        }
        if (reading.has_conflict_markers) {
            continue;
        }
        auto parts = split(text, ' ');
        std::optional<Branch> branch;
        if (parts.size() == 3 && parts[2] == "(head)" && parts[1].size() > 2 &&
            parts[1].front() == '(' && parts[1].back() == ')') {
            branch = parse_branch(std::string_view(parts[1]).substr(1, parts[1].size() - 2));
        }
        if (!branch || !is_revision_id(parts[0])) {
            problem(line,
                    "expected `<revision> (pre) (head)` or `<revision> (post) (head)`, found " +
                        quote_value(text),
                    rewrite);
            continue;
        }
        if (reading.heads[*branch]) {
            problem(line, "a second head for " + std::string(branch_name(*branch)), rewrite);
            continue;
        }
        if (previous && *previous == Branch::post && *branch == Branch::pre) {
            problem(line, "the pre line must come before the post line", rewrite);
        }
        reading.heads[*branch] = parts[0];
        previous = branch;
    }
    if (!reading.has_conflict_markers && !content.empty() && content.back() != '\n') {
        problem(static_cast<int>(lines.size()), "the last line has no line ending", rewrite);
    }
    return reading;
}

} // namespace ecluse
