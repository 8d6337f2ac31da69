#pragma once

// Revision files: plain SQL with a `-- key: value` header, an upgrade
// section and an optional downgrade section (docs/revision-files.md).

#include "script/branch.hpp"
#include "util/time.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

enum class TransactionMode { per_migration, none };

std::string_view transaction_mode_name(TransactionMode mode);

// A revision id: 12 lowercase hex characters.
inline constexpr std::size_t k_revision_id_length = 12;
bool is_revision_id(std::string_view text);

// One section of a revision file and where it starts in the file.
struct Section {
    std::string text;   // the lines between its marker and the next marker
    int first_line = 0; // file line of the section's first line; 0 when absent
    bool present = false;
};

struct RevisionFile {
    std::string path; // as shown to users: relative to the project root
    Branch branch = Branch::pre;
    std::string revision;
    std::optional<std::string> down_revision; // nullopt: the branch's first revision
    std::vector<std::string> depends_on;
    std::string message;
    std::string created;
    TransactionMode transaction = TransactionMode::per_migration;
    std::optional<Duration> lock_timeout;      // this revision's own, else the run's
    std::optional<Duration> statement_timeout; // idem

    Section upgrade;
    Section downgrade;
    // False when read with SectionText::skip: both sections' `text` is
    // empty (`present` and `first_line` are set), for commands that need
    // only the graph.
    bool sections_loaded = true;

    // Header line of each key, for errors that point at it; 0 when absent.
    int revision_line = 0;
    int down_revision_line = 0;
    int depends_on_line = 0;
};

// Parses a revision file; `path` is only used in messages and stored.
// A UTF-8 byte order mark is skipped; lines end in LF, CRLF or CR.
// Throws InputError naming path:line for every malformed part: a missing,
// repeated or unknown header key, a bad value, an id that is not 12
// lowercase hex, a header key after the blank line that ends the header, a
// missing, repeated or unknown section marker, SQL before the upgrade
// marker.
// With SectionText::skip the whole file is still checked, but the sections'
// text is not copied (see RevisionFile::sections_loaded).
enum class SectionText { load, skip };
RevisionFile parse_revision_file(std::string_view content, const std::string& path, Branch branch,
                                 SectionText sections = SectionText::load);

// Throws std::logic_error when the revision was read without its sections:
// a guard for code that needs the SQL.
void require_sections(const RevisionFile& revision);

// The file's text, as `revision` writes it; parse_revision_file gives the
// same values back. A section whose text lacks a final line ending gets one.
std::string render_revision_file(const RevisionFile& revision);

// SHA-256 of the upgrade section, line endings normalised to "\n" and
// trailing blank lines ignored, so that the same SQL checks out the same on
// every platform.
std::string upgrade_checksum(const RevisionFile& revision);

// The same content with one header key's value replaced, everything else
// byte for byte as it was (line endings and a byte order mark included).
// Throws InputError when the header has no such key.
std::string replace_header_value(std::string_view content, const std::string& path,
                                 std::string_view key, std::string_view value);

// "<compact UTC timestamp>_<revision>_<slug>.sql"
std::string revision_file_name(std::string_view compact_timestamp, std::string_view revision,
                               std::string_view message);

} // namespace ecluse
