#include "util/time.hpp"

#include <ctime>

namespace ecluse {

static std::string format_utc(SystemTime when, const char* format) {
    std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char buffer[64];
    std::size_t size = std::strftime(buffer, sizeof buffer, format, &parts);
    return std::string(buffer, size);
}

std::string format_iso8601_utc(SystemTime when) {
    return format_utc(when, "%Y-%m-%dT%H:%M:%SZ");
}

std::string format_compact_utc(SystemTime when) {
    return format_utc(when, "%Y%m%dT%H%M%S");
}

bool is_iso8601_utc(std::string_view text) {
    // Shape check: digits where digits belong, separators where they belong.
    const std::string_view shape = "dddd-dd-ddTdd:dd:dd";
    if (text.size() < shape.size() + 1) {
        return false;
    }
    for (std::size_t i = 0; i < shape.size(); ++i) {
        bool digit = text[i] >= '0' && text[i] <= '9';
        if (shape[i] == 'd' ? !digit : text[i] != shape[i]) {
            return false;
        }
    }
    std::string_view rest = text.substr(shape.size());
    if (rest.front() == '.') {
        std::size_t i = 1;
        while (i < rest.size() && rest[i] >= '0' && rest[i] <= '9') {
            ++i;
        }
        if (i == 1) {
            return false;
        }
        rest = rest.substr(i);
    }
    return rest == "Z" || rest == "+00:00" || rest == "+00";
}

} // namespace ecluse
