#include "util/time.hpp"

#include <doctest/doctest.h>

using namespace ecluse;
using std::chrono::milliseconds;

TEST_SUITE("Duration") {
    TEST_CASE("every PostgreSQL time unit is read") {
        CHECK(Duration::parse("1500us")->value() == milliseconds(2));
        CHECK(Duration::parse("500ms")->value() == milliseconds(500));
        CHECK(Duration::parse("5s")->value() == milliseconds(5'000));
        CHECK(Duration::parse("2min")->value() == milliseconds(120'000));
        CHECK(Duration::parse("1h")->value() == milliseconds(3'600'000));
        CHECK(Duration::parse("1d")->value() == milliseconds(86'400'000));
    }

    TEST_CASE("spaces around and between number and unit, and fractions, are accepted") {
        CHECK(Duration::parse(" 5 min ")->value() == milliseconds(300'000));
        CHECK(Duration::parse("1.5s")->value() == milliseconds(1'500));
        CHECK(Duration::parse(".5s")->value() == milliseconds(500));
        CHECK(Duration::parse("0.25ms")->value() == milliseconds(0));
    }

    TEST_CASE("a bare number is refused, except 0") {
        CHECK_FALSE(Duration::parse("5"));
        CHECK_FALSE(Duration::parse("500"));
        CHECK(Duration::parse("0")->value() == milliseconds(0));
        CHECK(Duration::parse("0.0")->value() == milliseconds(0));
    }

    TEST_CASE("anything else is refused") {
        for (const char* text : {"", " ", "s", "-1s", "5S", "5sec", "5 seconds", "1 day", "5s5",
                                 "1..5s", ".s", "5 s s", "ms", "1e3ms", "0x10s"}) {
            CAPTURE(text);
            CHECK_FALSE(Duration::parse(text));
        }
    }

    TEST_CASE("a duration past PostgreSQL's limit (INT_MAX ms) is refused") {
        CHECK(Duration::parse("2147483647ms"));
        CHECK_FALSE(Duration::parse("2147483648ms"));
        CHECK_FALSE(Duration::parse("25d"));
        CHECK_FALSE(Duration::parse("99999999999999999999999h"));
    }

    TEST_CASE("to_string says seconds or milliseconds, and reads back the same") {
        CHECK(Duration(milliseconds(0)).to_string() == "0");
        CHECK(Duration(milliseconds(1'500)).to_string() == "1500ms");
        CHECK(Duration(milliseconds(5'000)).to_string() == "5s");
        CHECK(Duration(milliseconds(120'000)).to_string() == "120s");
        CHECK(Duration(milliseconds(86'400'000)).to_string() == "86400s");
        for (const char* text : {"0", "1500us", "7ms", "1.5s", "61min", "36h", "3d"}) {
            CAPTURE(text);
            Duration duration = *Duration::parse(text);
            CHECK(Duration::parse(duration.to_string()) == duration);
        }
    }

    TEST_CASE("to_sql is a value PostgreSQL reads as the same duration") {
        CHECK(Duration::parse("2min")->to_sql() == "120s");
        CHECK(Duration::parse("250ms")->to_sql() == "250ms");
        CHECK(Duration().to_sql() == "0");
    }
}
