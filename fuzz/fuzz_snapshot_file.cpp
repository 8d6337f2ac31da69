// Fuzzes the snapshot file parser: any input either parses or throws
// ecluse::Error; what parses renders back to a file that parses to the same
// values, and its dump splits or throws ecluse::Error.

#include "script/snapshot_file.hpp"
#include "script/sql_splitter.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace {

[[noreturn]] void mismatch(const char* field, const std::string& rendered) {
    std::fprintf(stderr, "round trip changed `%s`; rendered file:\n%s\n", field, rendered.c_str());
    std::abort();
}

bool same(const ecluse::ReplacedRevision& a, const ecluse::ReplacedRevision& b) {
    return a.branch == b.branch && a.revision == b.revision && a.down_revision == b.down_revision &&
           a.depends_on == b.depends_on && a.checksum == b.checksum && a.message == b.message;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view content(reinterpret_cast<const char*>(data), size);
    ecluse::SnapshotFile snapshot;
    try {
        snapshot = ecluse::parse_snapshot_file(content, "migrations/snapshot/fuzz.sql");
    } catch (const ecluse::Error&) {
        return 0;
    }
    std::string rendered = ecluse::render_snapshot_file(snapshot);
    ecluse::SnapshotFile again;
    try {
        again = ecluse::parse_snapshot_file(rendered, "migrations/snapshot/fuzz.sql");
    } catch (const ecluse::Error& error) {
        std::fprintf(stderr, "the rendered file does not parse: %s\n%s\n", error.what(),
                     rendered.c_str());
        std::abort();
    }
    if (snapshot.pre_head != again.pre_head)
        mismatch("pre", rendered);
    if (snapshot.post_head != again.post_head)
        mismatch("post", rendered);
    if (snapshot.created != again.created)
        mismatch("created", rendered);
    if (snapshot.sql != again.sql)
        mismatch("sql", rendered);
    if (snapshot.replaces.size() != again.replaces.size())
        mismatch("replaces", rendered);
    for (std::size_t i = 0; i < snapshot.replaces.size(); ++i) {
        if (!same(snapshot.replaces[i], again.replaces[i]))
            mismatch("replaces", rendered);
    }
    try {
        ecluse::split_statements(snapshot.sql,
                                 ecluse::SourceLocation{snapshot.path, snapshot.sql_first_line, 1});
    } catch (const ecluse::Error&) {
    }
    return 0;
}
