// Fuzzes ecluse.toml parsing: any text either gives setting values or
// throws ecluse::Error.

#include "config/settings.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string content(reinterpret_cast<const char*>(data), size);
    try {
        ecluse::parse_settings_file(content, "ecluse.toml");
    } catch (const ecluse::Error&) {
        return 0;
    }
    // The [lint] and [deploy] tables are read only from a file that parsed.
    try {
        ecluse::parse_lint_settings(content, "ecluse.toml");
    } catch (const ecluse::Error&) {
    }
    try {
        ecluse::parse_deploy_settings(content, "ecluse.toml");
    } catch (const ecluse::Error&) {
    }
    return 0;
}
