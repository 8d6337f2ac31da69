// Fuzzes ecluse.toml parsing: any text either gives its settings (values,
// [lint], [deploy]) or throws ecluse::Error.

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
    return 0;
}
