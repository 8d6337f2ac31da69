// Fuzzes the splitting of `deploy --hook CMD` into words: any text either
// gives words or throws ecluse::Error, and words without quotes, blanks or
// backslashes come back when joined and split again.

#include "util/error.hpp"
#include "util/strings.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string command(reinterpret_cast<const char*>(data), size);
    try {
        auto words = ecluse::split_command_words(command);
        std::string joined;
        bool plain = true;
        for (const auto& word : words) {
            plain = plain && !word.empty() && word.find_first_of(" \t\n'\"\\") == std::string::npos;
            joined += (joined.empty() ? "" : " ") + word;
        }
        if (plain && ecluse::split_command_words(joined) != words) {
            std::fprintf(stderr, "plain words did not split back the same\n");
            std::abort();
        }
    } catch (const ecluse::Error&) {
    }
    return 0;
}
