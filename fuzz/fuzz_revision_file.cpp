// Fuzzes the revision file parser: any input either parses or throws
// ecluse::Error; what parses renders back to a file that parses to the same
// values, and its sections split or throw ecluse::Error. The adoption block
// `ecluse adopt` reads at the top of an upgrade section parses or throws
// too, and what parses renders back to the same block.

#include "script/adoption.hpp"
#include "script/revision_file.hpp"
#include "script/sql_splitter.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void mismatch(const char* field, const std::string& rendered) {
    std::fprintf(stderr, "round trip changed `%s`; rendered file:\n%s\n", field, rendered.c_str());
    std::abort();
}

bool same_section(const ecluse::Section& a, const ecluse::Section& b) {
    return a.present == b.present && a.text == b.text;
}

// Everything a revision means; the header's line numbers and where sections
// start are layout, which rendering is free to change.
void require_same_values(const ecluse::RevisionFile& a, const ecluse::RevisionFile& b,
                         const std::string& rendered) {
    if (a.revision != b.revision)
        mismatch("revision", rendered);
    if (a.down_revision != b.down_revision)
        mismatch("down_revision", rendered);
    if (a.depends_on != b.depends_on)
        mismatch("depends_on", rendered);
    if (a.message != b.message)
        mismatch("message", rendered);
    if (a.created != b.created)
        mismatch("created", rendered);
    if (a.transaction != b.transaction)
        mismatch("transaction", rendered);
    if (a.lock_timeout != b.lock_timeout)
        mismatch("lock_timeout", rendered);
    if (a.statement_timeout != b.statement_timeout)
        mismatch("statement_timeout", rendered);
    if (!same_section(a.upgrade, b.upgrade))
        mismatch("upgrade", rendered);
    if (!same_section(a.downgrade, b.downgrade))
        mismatch("downgrade", rendered);
    if (ecluse::upgrade_checksum(a) != ecluse::upgrade_checksum(b))
        mismatch("checksum", rendered);
}

void split_or_refuse(const ecluse::RevisionFile& revision, const ecluse::Section& section) {
    try {
        ecluse::split_section(revision, section);
    } catch (const ecluse::Error&) {
    }
}

void adoption_round_trip(const ecluse::Section& upgrade) {
    std::optional<ecluse::Adoption> adoption;
    try {
        adoption = ecluse::parse_adoption(upgrade.text, "fuzz.sql", 1);
    } catch (const ecluse::Error&) {
        return;
    }
    if (!adoption) {
        return;
    }
    std::string rendered = ecluse::render_adoption(*adoption);
    auto again = ecluse::parse_adoption(rendered, "fuzz.sql", 1);
    if (!again || again->tool != adoption->tool || again->schema != adoption->schema ||
        again->table != adoption->table || again->no_owner != adoption->no_owner ||
        again->no_privileges != adoption->no_privileges || again->position != adoption->position) {
        mismatch("adoption block", rendered);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view content(reinterpret_cast<const char*>(data), size);
    ecluse::RevisionFile revision;
    try {
        revision = ecluse::parse_revision_file(content, "fuzz.sql", ecluse::Branch::pre);
    } catch (const ecluse::Error&) {
        return 0;
    }
    std::string rendered = ecluse::render_revision_file(revision);
    ecluse::RevisionFile again;
    try {
        again = ecluse::parse_revision_file(rendered, "fuzz.sql", ecluse::Branch::pre);
    } catch (const ecluse::Error& error) {
        std::fprintf(stderr, "the rendered file does not parse: %s\n%s\n", error.what(),
                     rendered.c_str());
        std::abort();
    }
    require_same_values(revision, again, rendered);
    split_or_refuse(revision, revision.upgrade);
    split_or_refuse(revision, revision.downgrade);
    adoption_round_trip(revision.upgrade);
    return 0;
}
