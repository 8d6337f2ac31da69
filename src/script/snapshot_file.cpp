#include "script/snapshot_file.hpp"

#include "script/project.hpp"
#include "script/revision_file.hpp"
#include "script/sql_folder.hpp"
#include "util/error.hpp"
#include "util/file.hpp"
#include "util/strings.hpp"

#include <algorithm>
#include <set>

namespace ecluse {

namespace fs = std::filesystem;

namespace {

const char* k_format_hint = "a snapshot file is written by `ecluse snapshot`: take a new one "
                            "rather than editing it by hand";

// Reads one header line's fields; `at` is the file line, for errors.
class HeaderReader {
public:
    HeaderReader(std::string path) : m_path(std::move(path)) {}

    [[noreturn]] void fail(int line, const std::string& message,
                           const std::string& hint = k_format_hint) const {
        throw InputError(SourceLocation{m_path, line}, message, hint);
    }

    std::optional<std::string> revision_or_none(std::string_view text, int line,
                                                std::string_view what) const {
        if (text == "none") {
            return std::nullopt;
        }
        if (!is_revision_id(text)) {
            fail(line, std::string(what) + " " + quote_value(text) +
                           " is not a revision id (12 lowercase hex characters) nor `none`");
        }
        return std::string(text);
    }

    ReplacedRevision replaced(std::string_view value, int line) const {
        // branch revision down_revision depends_on checksum message...
        std::vector<std::string> fields;
        std::string_view rest = value;
        for (int i = 0; i < 5; ++i) {
            rest = trim(rest);
            auto end = rest.find_first_of(" \t");
            if (rest.empty()) {
                fail(line, "`replaces:` needs: branch revision down_revision depends_on "
                           "checksum message");
            }
            fields.emplace_back(rest.substr(0, end));
            rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
        }
        ReplacedRevision out;
        auto branch = parse_branch(fields[0]);
        if (!branch) {
            fail(line, "branch " + quote_value(fields[0]) + " is neither pre nor post");
        }
        out.branch = *branch;
        if (!is_revision_id(fields[1])) {
            fail(line, "revision " + quote_value(fields[1]) +
                           " is not a revision id (12 lowercase hex characters)");
        }
        out.revision = fields[1];
        out.down_revision = revision_or_none(fields[2], line, "down_revision");
        if (fields[3] != "-") {
            for (const std::string& dependency : split(fields[3], ',')) {
                if (!is_revision_id(dependency)) {
                    fail(line, "depends_on " + quote_value(dependency) +
                                   " is not a revision id (12 lowercase hex characters)");
                }
                out.depends_on.push_back(dependency);
            }
        }
        if (fields[4].size() != 64 || !is_lower_hex(fields[4])) {
            fail(line, "checksum " + quote_value(fields[4]) +
                           " is not a SHA-256 (64 lowercase hex characters)");
        }
        out.checksum = fields[4];
        out.message = std::string(trim(rest));
        return out;
    }

private:
    std::string m_path;
};

} // namespace

const ReplacedRevision* SnapshotFile::find(std::string_view revision) const {
    for (const ReplacedRevision& replaced : replaces) {
        if (replaced.revision == revision) {
            return &replaced;
        }
    }
    return nullptr;
}

SnapshotFile parse_snapshot_file(std::string_view content, const std::string& path) {
    HeaderReader reader(path);
    SnapshotFile snapshot;
    snapshot.path = path;
    snapshot.name = fs::path(path).filename().string();
    if (content.substr(0, 3) == "\xEF\xBB\xBF") {
        content.remove_prefix(3);
    }
    std::vector<std::string_view> lines = split_lines(content);
    if (lines.empty() || trim(lines[0]) != k_snapshot_marker) {
        reader.fail(1, "a snapshot file starts with `" + std::string(k_snapshot_marker) + "`");
    }
    std::set<std::string> seen_keys;
    std::set<std::string> seen_revisions;
    std::size_t index = 1;
    int head_line[2] = {0, 0};
    bool schema = false;
    for (; index < lines.size(); ++index) {
        int line = static_cast<int>(index) + 1;
        std::string_view text = trim(lines[index]);
        if (text == k_snapshot_schema_marker) {
            schema = true;
            break;
        }
        if (text.substr(0, 2) != "--") {
            reader.fail(line, "the snapshot header has a line that is not a `-- key: value` "
                              "comment before `" +
                                  std::string(k_snapshot_schema_marker) + "`");
        }
        std::string_view body = trim(text.substr(2));
        auto colon = body.find(':');
        if (colon == std::string_view::npos) {
            reader.fail(line, "the snapshot header line has no `key:`");
        }
        std::string key(trim(body.substr(0, colon)));
        std::string_view value = trim(body.substr(colon + 1));
        if (key != "replaces" && !seen_keys.insert(key).second) {
            reader.fail(line, "header key `" + key + "` appears twice");
        }
        if (key == "pre") {
            snapshot.pre_head = reader.revision_or_none(value, line, "pre head");
            head_line[0] = line;
        } else if (key == "post") {
            snapshot.post_head = reader.revision_or_none(value, line, "post head");
            head_line[1] = line;
        } else if (key == "created") {
            snapshot.created = std::string(value);
        } else if (key == "replaces") {
            ReplacedRevision replaced = reader.replaced(value, line);
            if (!seen_revisions.insert(replaced.revision).second) {
                reader.fail(line, "revision " + replaced.revision + " is listed twice");
            }
            snapshot.replaces.push_back(std::move(replaced));
        } else {
            reader.fail(line, "unknown snapshot header key `" + key + "`",
                        "the keys are pre, post, created and replaces");
        }
    }
    if (!schema) {
        reader.fail(static_cast<int>(lines.size()), "no `" + std::string(k_snapshot_schema_marker) +
                                                        "` line: the file is cut short");
    }
    for (const char* key : {"pre", "post"}) {
        if (seen_keys.count(key) == 0) {
            reader.fail(static_cast<int>(index) + 1,
                        std::string("the snapshot header has no `") + key + ":` line");
        }
    }
    for (Branch branch : k_branches) {
        const auto& head = snapshot.head(branch);
        const ReplacedRevision* replaced = head ? snapshot.find(*head) : nullptr;
        if (head && (replaced == nullptr || replaced->branch != branch)) {
            reader.fail(head_line[branch == Branch::pre ? 0 : 1],
                        std::string(branch_name(branch)) + " head " + *head + " is not among the " +
                            std::string(branch_name(branch)) + " revisions the snapshot replaces");
        }
    }
    snapshot.sql_first_line = static_cast<int>(index) + 2;
    // The dump: everything after the marker's line, byte for byte.
    std::size_t offset = 0;
    for (std::size_t i = 0; i <= index && offset < content.size(); ++i) {
        auto end = content.find_first_of("\r\n", offset);
        if (end == std::string_view::npos) {
            offset = content.size();
            break;
        }
        offset = end + (content.compare(end, 2, "\r\n") == 0 ? 2 : 1);
    }
    snapshot.sql = std::string(content.substr(std::min(offset, content.size())));
    return snapshot;
}

std::string render_snapshot_file(const SnapshotFile& snapshot) {
    std::string out = std::string(k_snapshot_marker) + "\n";
    out += "-- pre: " + snapshot.pre_head.value_or("none") + "\n";
    out += "-- post: " + snapshot.post_head.value_or("none") + "\n";
    if (!snapshot.created.empty()) {
        out += "-- created: " + snapshot.created + "\n";
    }
    for (const ReplacedRevision& replaced : snapshot.replaces) {
        std::string message = replaced.message;
        std::replace(message.begin(), message.end(), '\n', ' ');
        std::replace(message.begin(), message.end(), '\r', ' ');
        out += "-- replaces: " + std::string(branch_name(replaced.branch)) + " " +
               replaced.revision + " " + replaced.down_revision.value_or("none") + " " +
               (replaced.depends_on.empty() ? "-" : join(replaced.depends_on, ",")) + " " +
               replaced.checksum + " " + message + "\n";
    }
    out += std::string(k_snapshot_schema_marker) + "\n";
    out += snapshot.sql;
    return out;
}

std::string snapshot_file_name(std::string_view compact_timestamp,
                               const std::optional<std::string>& pre_head,
                               const std::optional<std::string>& post_head) {
    return std::string(compact_timestamp) + "_" + pre_head.value_or("none") + "_" +
           post_head.value_or("none") + ".sql";
}

fs::path snapshot_folder(const fs::path& root) {
    return root / k_migrations_folder / k_snapshot_folder;
}

std::vector<SnapshotFile> load_snapshot_files(const fs::path& root) {
    return parse_sql_folder<SnapshotFile>(root, snapshot_folder(root), parse_snapshot_file,
                                          "some snapshot files cannot be read");
}

} // namespace ecluse
