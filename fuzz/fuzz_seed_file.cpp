// Fuzzes the seed file parser: any input either parses or throws
// ecluse::Error, and the sections of what parses split or throw
// ecluse::Error.

#include "script/seed_file.hpp"
#include "script/sql_splitter.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view content(reinterpret_cast<const char*>(data), size);
    ecluse::SeedFile seed;
    try {
        seed = ecluse::parse_seed_file(content, "seeds/fuzz.sql");
    } catch (const ecluse::Error&) {
        return 0;
    }
    if (!seed.upgrade.present || !seed.downgrade.present || seed.checksum.size() != 64) {
        std::abort();
    }
    for (const ecluse::Section* section : {&seed.upgrade, &seed.downgrade}) {
        try {
            ecluse::split_statements(section->text,
                                     ecluse::SourceLocation{seed.path, section->first_line, 1});
        } catch (const ecluse::Error&) {
        }
    }
    return 0;
}
