#include "util/time.hpp"

#include "util/strings.hpp"

#include <cmath>
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

namespace {

int digits_at(std::string_view text, std::size_t pos, std::size_t count) {
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

// True when the date and time fields name an instant that exists (no
// month 13, no 30 February, no 24:00); leap seconds are not accepted.
bool fields_exist(std::string_view text) {
    int year = digits_at(text, 0, 4);
    int month = digits_at(text, 5, 2);
    int day = digits_at(text, 8, 2);
    if (month < 1 || month > 12 || day < 1) {
        return false;
    }
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int days = k_days[month - 1] + (month == 2 && leap ? 1 : 0);
    return day <= days && digits_at(text, 11, 2) <= 23 && digits_at(text, 14, 2) <= 59 &&
           digits_at(text, 17, 2) <= 59;
}

} // namespace

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
    if (!fields_exist(text)) {
        return false;
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

double elapsed_ms(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since)
        .count();
}

namespace {

struct DurationUnit {
    std::string_view name;
    double milliseconds;
};

// PostgreSQL's time units for settings.
constexpr DurationUnit k_duration_units[] = {
    {"us", 0.001}, {"ms", 1}, {"min", 60'000}, {"s", 1'000}, {"h", 3'600'000}, {"d", 86'400'000},
};

// INT_MAX milliseconds (24.8 days): PostgreSQL's limit for lock_timeout
// and statement_timeout.
constexpr double k_max_duration_ms = 2147483647;

} // namespace

std::optional<Duration> Duration::parse(std::string_view text) {
    text = trim(text);
    std::size_t end = 0;
    bool digits = false;
    bool point = false;
    while (end < text.size() &&
           ((text[end] >= '0' && text[end] <= '9') || (text[end] == '.' && !point))) {
        digits = digits || text[end] != '.';
        point = point || text[end] == '.';
        ++end;
    }
    if (!digits || end > 20) {
        return std::nullopt;
    }
    double amount = std::stod(std::string(text.substr(0, end)));
    std::string_view unit = text.substr(end);
    while (!unit.empty() && unit.front() == ' ') {
        unit.remove_prefix(1);
    }
    if (unit.empty()) {
        // A bare number: only 0 reads the same in every unit.
        return amount == 0 ? std::optional<Duration>(Duration()) : std::nullopt;
    }
    for (const auto& candidate : k_duration_units) {
        if (unit == candidate.name) {
            double ms = std::round(amount * candidate.milliseconds);
            if (ms > k_max_duration_ms) {
                return std::nullopt;
            }
            return Duration(std::chrono::milliseconds(static_cast<long long>(ms)));
        }
    }
    return std::nullopt;
}

std::string Duration::to_sql() const {
    return to_string();
}

std::string Duration::to_string() const {
    long long ms = m_value.count();
    if (ms == 0) {
        return "0";
    }
    return ms % 1000 == 0 ? std::to_string(ms / 1000) + "s" : std::to_string(ms) + "ms";
}

} // namespace ecluse
