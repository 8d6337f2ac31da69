#pragma once

// The error hierarchy every layer throws and `main` catches once.
// Each type fixes the exit code of DESIGN.md; each message says what went
// wrong and where, and `hint` says what to do next.

#include <stdexcept>
#include <string>
#include <vector>

namespace ecluse {

// A place in a file a user can open: `file:line:column`, 1-based.
// `line` or `column` of 0 means unknown.
struct SourceLocation {
    std::string file;
    int line = 0;
    int column = 0;

    std::string to_string() const;
};

// One problem found in the user's project, with where and what to do.
struct Diagnostic {
    SourceLocation location;
    std::string message;
    std::string hint;
    // Malformed input (a file that cannot be read as a revision) rather
    // than a failed check: decides between exit code 2 and 1.
    bool bad_input = false;

    std::string to_string() const;
};

enum ExitCode : int {
    k_exit_ok = 0,
    k_exit_failed = 1,
    k_exit_usage = 2,
    k_exit_lock_busy = 3,
};

class Error : public std::runtime_error {
public:
    Error(int exit_code, const std::string& message, std::string hint = {},
          std::vector<Diagnostic> details = {});

    int exit_code() const { return m_exit_code; }
    const std::string& hint() const { return m_hint; }
    // Further problems found at the same time, each printed on its own line.
    const std::vector<Diagnostic>& details() const { return m_details; }

private:
    int m_exit_code;
    std::string m_hint;
    std::vector<Diagnostic> m_details;
};

// Bad flags, specifiers or arguments: exit 2.
class UsageError : public Error {
public:
    explicit UsageError(const std::string& message, std::string hint = {})
        : Error(k_exit_usage, message, std::move(hint)) {}
};

// A file the user wrote that cannot be read as what it should be: exit 2.
class InputError : public Error {
public:
    InputError(const SourceLocation& where, const std::string& message, std::string hint = {});
    InputError(const std::string& message, std::vector<Diagnostic> details);

    const SourceLocation& location() const { return m_location; }
    // The message without its location prefix.
    const std::string& bare_message() const { return m_bare_message; }

private:
    SourceLocation m_location;
    std::string m_bare_message;
};

// A check that did not pass (graph, conflict file, ...): exit 1.
class CheckFailed : public Error {
public:
    explicit CheckFailed(const std::string& message, std::string hint = {},
                         std::vector<Diagnostic> details = {})
        : Error(k_exit_failed, message, std::move(hint), std::move(details)) {}
};

// Throws the right error for a list of problems: InputError (exit 2) when
// any of them is bad input, else CheckFailed (exit 1). Does nothing when
// the list is empty.
void throw_if_any(const std::string& summary, const std::vector<Diagnostic>& problems);

} // namespace ecluse
