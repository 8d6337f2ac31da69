#include "util/error.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <string>
#include <vector>

using namespace ecluse;

namespace {

// The exception being thrown by `thrower`, caught as std::exception.
template <typename Thrower>
std::exception_ptr caught(Thrower thrower) {
    try {
        thrower();
    } catch (...) {
        return std::current_exception();
    }
    return nullptr;
}

int exit_code_of_thrown(const std::exception_ptr& thrown) {
    try {
        std::rethrow_exception(thrown);
    } catch (const std::exception& error) {
        return exit_code_of(error);
    }
}

std::vector<std::string> messages_of(const std::exception_ptr& thrown) {
    std::vector<std::string> out;
    try {
        std::rethrow_exception(thrown);
    } catch (const std::exception& error) {
        for_each_nested(error, [&](const std::exception& each) { out.push_back(each.what()); });
    }
    return out;
}

} // namespace

TEST_SUITE("errors") {
    TEST_CASE("each kind of error has the exit code of the documented table") {
        CHECK(OperationFailed("x").exit_code() == 1);
        CHECK(UsageError("x").exit_code() == 2);
        CHECK(InputError(SourceLocation{"f.sql", 3}, "x").exit_code() == 2);
        CHECK(CheckFailed("x").exit_code() == 1);
        CHECK(LockBusy("x", "h").exit_code() == 3);
        CHECK(ConnectionUnavailable("x", "h").exit_code() == 4);
        CHECK(Error(ErrorKind::deploy_pre, "x").exit_code() == 10);
        CHECK(Error(ErrorKind::deploy_hook, "x").exit_code() == 11);
        CHECK(Error(ErrorKind::deploy_post, "x").exit_code() == 12);
        CHECK(Interrupted(SIGTERM, "x", "h").exit_code() == 128 + SIGTERM);
    }

    TEST_CASE("a context takes the exit code of the error nested in it") {
        auto thrown = caught([] {
            try {
                throw LockBusy("held by pid 7", "wait");
            } catch (const Error&) {
                std::throw_with_nested(ErrorContext("building the template failed"));
            }
        });
        CHECK(exit_code_of_thrown(thrown) == 3);
        CHECK(messages_of(thrown) ==
              std::vector<std::string>{"building the template failed", "held by pid 7"});
    }

    TEST_CASE("contexts nest, and the first error that is not one gives the code") {
        auto thrown = caught([] {
            try {
                try {
                    throw InputError(SourceLocation{"a.sql", 2}, "bad header");
                } catch (const Error&) {
                    std::throw_with_nested(ErrorContext("reading the snapshot"));
                }
            } catch (const Error&) {
                std::throw_with_nested(ErrorContext("creating environment pr_1 failed"));
            }
        });
        CHECK(exit_code_of_thrown(thrown) == 2);
        CHECK(messages_of(thrown) == std::vector<std::string>{"creating environment pr_1 failed",
                                                              "reading the snapshot",
                                                              "a.sql:2: bad header"});
    }

    TEST_CASE("a context thrown with nothing being handled holds nothing, and is exit 1") {
        auto thrown = caught([] { std::throw_with_nested(ErrorContext("alone")); });
        CHECK(exit_code_of_thrown(thrown) == 1);
        CHECK(messages_of(thrown) == std::vector<std::string>{"alone"});
    }

    TEST_CASE("anything that is not an ecluse error is exit 1") {
        CHECK(exit_code_of(std::runtime_error("boom")) == 1);
    }

    TEST_CASE("throw_if_any: bad input wins over failed checks") {
        CHECK_NOTHROW(throw_if_any("none", {}));
        Diagnostic check{{"a.sql", 1}, "two heads", "rebase", false};
        Diagnostic input{{"b.sql", 2}, "bad header", "", true};
        CHECK_THROWS_AS(throw_if_any("s", {check}), CheckFailed);
        CHECK_THROWS_AS(throw_if_any("s", {check, input}), InputError);
    }
}
