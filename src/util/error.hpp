#pragma once

// The error hierarchy every layer throws and `main` catches once.
// Each kind fixes the documented exit code; each message says what went
// wrong and where, and `hint` says what to do next.

#include <functional>
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
    // The id of the lint rule that found it; empty for other checks.
    std::string rule = {};

    std::string to_string() const;
};

// What users and pipelines tell apart. Each kind has its exit code, given
// in one place (exit_code_for).
enum class ErrorKind {
    failed,      // something ecluse needed failed (a program, a file, OpenSSL): 1
    usage,       // bad flags, specifiers or arguments: 2
    input,       // a file the user wrote that cannot be read as what it should be: 2
    check,       // a check that did not pass (graph, conflict file, drift...): 1
    lock_busy,   // another ecluse holds the database lock: 3
    connection,  // the database cannot be reached, or the connection was lost: 4
    migration,   // a migration failed (runtime::MigrationFailed): 1
    deploy_pre,  // deploy's pre phase failed: 10
    deploy_hook, // deploy's hook failed: 11
    deploy_post, // deploy's post phase failed: 12
    interrupted, // stopped by a signal: 128 + the signal
    context,     // what was being done when the nested error happened: its code
};

enum ExitCode : int {
    k_exit_ok = 0,
    k_exit_failed = 1,
    k_exit_usage = 2,
    k_exit_lock_busy = 3,
    k_exit_connection = 4,   // the database unreachable or lost: retry later
    k_exit_pre_failed = 10,  // code N still runs, nothing lost
    k_exit_hook_failed = 11, // pre applied, post not run
    k_exit_post_failed = 12, // code N+1 runs; run --phase post again
};

// The exit code of a kind (not of `context`, which takes its nested error's).
int exit_code_for(ErrorKind kind);

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message, std::string hint = {},
          std::vector<Diagnostic> details = {});

    ErrorKind kind() const { return m_kind; }
    // This error's own exit code; exit_code_of() follows a context's nesting.
    int exit_code() const;
    const std::string& hint() const { return m_hint; }
    // Further problems found at the same time, each printed on its own line.
    const std::vector<Diagnostic>& details() const { return m_details; }

private:
    ErrorKind m_kind;
    std::string m_hint;
    std::vector<Diagnostic> m_details;
};

// Something ecluse needed failed: a program it runs, a file, OpenSSL, the
// scratch server. Exit 1.
class OperationFailed : public Error {
public:
    explicit OperationFailed(const std::string& message, std::string hint = {},
                             std::vector<Diagnostic> details = {})
        : Error(ErrorKind::failed, message, std::move(hint), std::move(details)) {}
};

// Bad flags, specifiers or arguments: exit 2.
class UsageError : public Error {
public:
    explicit UsageError(const std::string& message, std::string hint = {})
        : Error(ErrorKind::usage, message, std::move(hint)) {}
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
        : Error(ErrorKind::check, message, std::move(hint), std::move(details)) {}
};

// Another ecluse holds the lock past --lock-wait: exit 3.
class LockBusy : public Error {
public:
    LockBusy(const std::string& message, std::string hint)
        : Error(ErrorKind::lock_busy, message, std::move(hint)) {}
};

// The database cannot be reached, or the connection to it was lost: exit 4,
// so that a pipeline can tell a retry from a fix.
class ConnectionUnavailable : public Error {
public:
    ConnectionUnavailable(const std::string& message, std::string hint)
        : Error(ErrorKind::connection, message, std::move(hint)) {}
};

// Stopped by `signal` (SIGINT, SIGTERM): exit 128 + signal.
class Interrupted : public Error {
public:
    Interrupted(int signal, const std::string& message, std::string hint)
        : Error(ErrorKind::interrupted, message, std::move(hint)), m_signal(signal) {}
    int signal() const { return m_signal; }

private:
    int m_signal;
};

// What ecluse was doing when the error nested in it happened, thrown with
// std::throw_with_nested: `message` says what and where, `hint` what the
// failure left behind. The exit code is the nested error's.
class ErrorContext : public Error {
public:
    explicit ErrorContext(const std::string& message, std::string hint = {})
        : Error(ErrorKind::context, message, std::move(hint)) {}
};

// The exit code of `error`, following ErrorContext's nesting to the error
// that says what happened; 1 for anything that is not an Error.
int exit_code_of(const std::exception& error);

// Calls `visit` on `error`, then on each error nested in it, outermost first.
void for_each_nested(const std::exception& error,
                     const std::function<void(const std::exception&)>& visit);

// Throws the right error for a list of problems: InputError (exit 2) when
// any of them is bad input, else CheckFailed (exit 1). Does nothing when
// the list is empty.
void throw_if_any(const std::string& summary, const std::vector<Diagnostic>& problems);

} // namespace ecluse
