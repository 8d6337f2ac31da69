#include "util/error.hpp"

#include <algorithm>

namespace ecluse {

std::string SourceLocation::to_string() const {
    std::string out = file;
    if (line > 0) {
        out += ':' + std::to_string(line);
        if (column > 0) {
            out += ':' + std::to_string(column);
        }
    }
    return out;
}

std::string Diagnostic::to_string() const {
    std::string out = location.file.empty() ? message : location.to_string() + ": " + message;
    if (!hint.empty()) {
        out += "\n  hint: " + hint;
    }
    return out;
}

Error::Error(int exit_code, const std::string& message, std::string hint,
             std::vector<Diagnostic> details)
    : std::runtime_error(message), m_exit_code(exit_code), m_hint(std::move(hint)),
      m_details(std::move(details)) {}

InputError::InputError(const SourceLocation& where, const std::string& message, std::string hint)
    : Error(k_exit_usage, where.file.empty() ? message : where.to_string() + ": " + message,
            std::move(hint)),
      m_location(where), m_bare_message(message) {}

InputError::InputError(const std::string& message, std::vector<Diagnostic> details)
    : Error(k_exit_usage, message, {}, std::move(details)), m_bare_message(message) {}

void throw_if_any(const std::string& summary, const std::vector<Diagnostic>& problems) {
    if (problems.empty()) {
        return;
    }
    bool bad_input = std::any_of(problems.begin(), problems.end(),
                                 [](const Diagnostic& d) { return d.bad_input; });
    if (bad_input) {
        throw InputError(summary, problems);
    }
    throw CheckFailed(summary, {}, problems);
}

} // namespace ecluse
