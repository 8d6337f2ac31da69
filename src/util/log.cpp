#include "util/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace ecluse::log {

namespace {

spdlog::logger& logger() {
    static std::shared_ptr<spdlog::logger> instance = [] {
        auto made = std::make_shared<spdlog::logger>(
            "ecluse", std::make_shared<spdlog::sinks::stderr_sink_mt>());
        made->set_pattern("%H:%M:%S.%e ecluse %l: %v");
        made->set_level(spdlog::level::info);
        made->flush_on(spdlog::level::trace);
        return made;
    }();
    return *instance;
}

} // namespace

void set_verbosity(int verbosity) {
    logger().set_level(verbosity < 0    ? spdlog::level::warn
                       : verbosity == 0 ? spdlog::level::info
                                        : spdlog::level::debug);
}

bool verbose() {
    return logger().should_log(spdlog::level::debug);
}

void debug(const std::string& message) {
    logger().debug(fmt::runtime("{}"), message);
}

void info(const std::string& message) {
    logger().info(fmt::runtime("{}"), message);
}

void warn(const std::string& message) {
    logger().warn(fmt::runtime("{}"), message);
}

std::string one_line(const std::string& sql, std::size_t width) {
    std::string out;
    bool space = false;
    for (char c : sql) {
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space) {
            out += ' ';
            space = false;
        }
        out += c;
        if (out.size() > width) {
            return out.substr(0, width - 3) + "...";
        }
    }
    return out;
}

} // namespace ecluse::log
