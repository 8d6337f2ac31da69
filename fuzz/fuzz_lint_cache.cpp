// Fuzzes the reader of lint records kept in the revision cache: any text is
// either refused or decoded, never a crash, and what decodes encodes back
// to a record that decodes to the same findings, checks and lookups.

#include "lint/lint_cache.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

using namespace ecluse;
using namespace ecluse::lint_detail;

const std::string k_path = "migrations/post/1_a.sql";
const std::string k_key = "0123456789abcdef";

std::string describe(const RevisionLint& lint) {
    std::string out = std::to_string(lint.statements) + (lint.bad_input ? " bad\n" : "\n");
    for (const auto& check : lint.checks) {
        out += "c " + check.name + "|" + check.table + "|" + check.column + "\n";
    }
    for (const auto& lookup : lint.lookups) {
        out += "l " + lookup.name + "|" +
               (lookup.found ? lookup.found->table + "|" + lookup.found->column : "-") + "\n";
    }
    for (const auto& finding : lint.findings) {
        out += "f " + finding.location.to_string() + "|" + finding.rule + "|" +
               (finding.severity == Severity::error ? "e" : "w") + "|" + finding.message + "|" +
               finding.fix + "\n";
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    for (const std::string& input : {text, k_key + "\n" + text}) {
        auto lint = decode_revision_lint(input, k_key, k_path);
        if (!lint) {
            continue;
        }
        auto again =
            decode_revision_lint(encode_revision_lint(*lint, k_key, k_path), k_key, k_path);
        if (!again || describe(*again) != describe(*lint)) {
            std::fprintf(stderr, "a decoded lint record does not round-trip\n");
            std::abort();
        }
    }
    return 0;
}
