// Fuzzes the conflict-detection file parser: problems are values, never
// exceptions; a file without problems is exactly what rendering its heads
// gives back.

#include "script/conflict_file.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view content(reinterpret_cast<const char*>(data), size);
    ecluse::ConflictFileReading reading = ecluse::parse_conflict_file(content, "conflict.txt");
    if (reading.has_conflict_markers && reading.problems.empty()) {
        std::fprintf(stderr, "conflict markers without a problem\n");
        std::abort();
    }
    if (!reading.problems.empty()) {
        return 0;
    }
    std::string rendered = ecluse::render_conflict_file(reading.heads);
    if (rendered != content) {
        std::fprintf(stderr, "accepted without problems but renders differently:\n%s\n",
                     rendered.c_str());
        std::abort();
    }
    return 0;
}
