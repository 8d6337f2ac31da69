#include "util/error.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <exception>
#include <optional>

namespace ecluse {

std::string SourceLocation::to_string() const {
    // A file name may hold a line break or a terminal escape: shown escaped.
    std::string out = printable(file);
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

int exit_code_for(ErrorKind kind) {
    switch (kind) {
    case ErrorKind::usage:
    case ErrorKind::input:
        return k_exit_usage;
    case ErrorKind::lock_busy:
        return k_exit_lock_busy;
    case ErrorKind::deploy_pre:
        return k_exit_pre_failed;
    case ErrorKind::deploy_hook:
        return k_exit_hook_failed;
    case ErrorKind::deploy_post:
        return k_exit_post_failed;
    case ErrorKind::connection:
        return k_exit_connection;
    case ErrorKind::failed:
    case ErrorKind::check:
    case ErrorKind::migration:
    case ErrorKind::interrupted: // Interrupted::exit_code() adds its signal
    case ErrorKind::context:
        return k_exit_failed;
    }
    return k_exit_failed;
}

Error::Error(ErrorKind kind, const std::string& message, std::string hint,
             std::vector<Diagnostic> details)
    : std::runtime_error(message), m_kind(kind), m_hint(std::move(hint)),
      m_details(std::move(details)) {}

int Error::exit_code() const {
    if (const auto* interrupted = dynamic_cast<const Interrupted*>(this)) {
        return 128 + interrupted->signal();
    }
    return exit_code_for(m_kind);
}

InputError::InputError(const SourceLocation& where, const std::string& message, std::string hint)
    : Error(ErrorKind::input, where.file.empty() ? message : where.to_string() + ": " + message,
            std::move(hint)),
      m_location(where), m_bare_message(message) {}

InputError::InputError(const std::string& message, std::vector<Diagnostic> details)
    : Error(ErrorKind::input, message, {}, std::move(details)), m_bare_message(message) {}

void for_each_nested(const std::exception& error,
                     const std::function<void(const std::exception&)>& visit) {
    visit(error);
    // std::rethrow_if_nested would terminate on a nested_exception that
    // holds nothing (thrown with no exception being handled).
    const auto* nesting = dynamic_cast<const std::nested_exception*>(&error);
    if (nesting == nullptr || nesting->nested_ptr() == nullptr) {
        return;
    }
    try {
        nesting->rethrow_nested();
    } catch (const std::exception& nested) {
        for_each_nested(nested, visit);
    } catch (...) {
    }
}

int exit_code_of(const std::exception& error) {
    std::optional<int> code;
    for_each_nested(error, [&](const std::exception& each) {
        const auto* typed = dynamic_cast<const Error*>(&each);
        if (!code && typed != nullptr && typed->kind() != ErrorKind::context) {
            code = typed->exit_code();
        }
    });
    return code.value_or(k_exit_failed);
}

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
