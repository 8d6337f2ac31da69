#include "pg/conninfo.hpp"
#include "util/error.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace ecluse;
using namespace ecluse::pg;

TEST_SUITE("redact_connection_string") {
    TEST_CASE("a URL's password, in the user part or the query, is shown as ***") {
        CHECK(redact_connection_string("postgresql://app:s3cret@db.example.com:5433/shop") ==
              "postgresql://app:***@db.example.com:5433/shop");
        CHECK(redact_connection_string("postgresql://app@/shop?host=/run/pg&password=s3cret") ==
              "postgresql://app:***@/shop?host=%2Frun%2Fpg");
        CHECK(redact_connection_string("postgres://app:p%40ss@[::1]:5432/shop?sslmode=require") ==
              "postgresql://app:***@[::1]:5432/shop?sslmode=require");
        CHECK(redact_connection_string(
                  "postgresql://app@h/shop?sslpassword=k3y&sslmode=verify-full") ==
              "postgresql://app@h/shop?sslmode=verify-full&sslpassword=***");
    }

    TEST_CASE("a keyword/value string is shown as a URL without its password") {
        CHECK(redact_connection_string("host=/tmp user=u password='se cret' dbname=d") ==
              "postgresql://u:***@/d?host=%2Ftmp");
        CHECK(redact_connection_string("host=h dbname=d") == "postgresql://h/d");
    }

    TEST_CASE("a string libpq cannot read is never echoed") {
        for (const char* text :
             {"postgresql://u:Secr%zzet@localhost/db", "postgresql://u:Secret@[::1:5432/db",
              "postgresql://u:Sec%00ret@localhost/db", "postgresql://u@localhost/db?password=Q%zzQ",
              "host=h password='Secret", "Secret"}) {
            CAPTURE(text);
            std::string shown = redact_connection_string(text);
            CHECK(shown == "(a connection string libpq cannot read)");
            std::string why;
            CHECK_FALSE(parse_connection_string(text, &why));
            CHECK_FALSE(why.empty());
            CHECK(why.find("ecr") == std::string::npos);
            CHECK(why.find("zz") == std::string::npos);
        }
    }

    TEST_CASE("an unescaped '/' or '@' in a URL's password is refused, not half read") {
        for (const char* text : {"postgresql://u:Sec@Zeb@h/db", "postgresql://u:Sec/Zeb@h/db",
                                 "postgres://u:Sec/Zeb@h:5432/db?sslmode=require"}) {
            CAPTURE(text);
            CHECK(redact_connection_string(text) == "(a connection string libpq cannot read)");
            std::string why;
            CHECK_FALSE(parse_connection_string(text, &why));
            CHECK(why.find("Zeb") == std::string::npos);
        }
        // An '@' in the query, or a '?' in the password, is read as libpq reads it.
        CHECK(redact_connection_string("postgresql://h/db?user=me@corp") ==
              "postgresql://me%40corp@h/db");
        CHECK(redact_connection_string("postgresql://u:Se?c@h/db") == "postgresql://u:***@h/db");
    }

    TEST_CASE("an empty string, libpq's defaults, stays empty") {
        CHECK(redact_connection_string("") == "");
    }
}

TEST_SUITE("without_password") {
    TEST_CASE("the password is removed from a message, as given and percent-encoded") {
        std::string url = "postgresql://u:p%40ss@h/d";
        CHECK(without_password("FATAL: password p@ss is wrong (p%40ss)", url) ==
              "FATAL: password *** is wrong (***)");
        CHECK(without_password("no password here", "host=h") == "no password here");
        CHECK(without_password("bad key k3y", "host=h sslpassword=k3y") == "bad key ***");
    }
}

TEST_SUITE("connection_url_for") {
    TEST_CASE("keeps how the server is reached, not the admin's credentials") {
        CHECK(connection_url_for("postgresql://admin:pw@db:5433/postgres?sslmode=require&"
                                 "passfile=/home/a/.pgpass",
                                 "pr_42", "p w", "pr_42") ==
              "postgresql://pr_42:p%20w@db:5433/pr_42?sslmode=require");
        CHECK(connection_url_for("host=/run/pg port=5434 user=admin", "e", "x", "e") ==
              "postgresql://e:x@/e?host=%2Frun%2Fpg&port=5434");
    }

    TEST_CASE("several hosts and a service are kept in a form libpq reads back") {
        CHECK(connection_url_for("postgresql://admin@h1:5432,h2:5433/postgres", "e", "x", "e") ==
              "postgresql://e:x@/e?host=h1%2Ch2&port=5432%2C5433");
        CHECK(connection_url_for("service=staging", "e", "x", "e") ==
              "postgresql://e:x@/e?service=staging");
        auto settings = parse_connection_string(
            connection_url_for("postgresql://admin@h1:5432,h2:5433/postgres", "e", "x", "e"));
        REQUIRE(settings);
        CHECK((*settings)["host"] == "h1,h2");
        CHECK((*settings)["port"] == "5432,5433");
    }

    TEST_CASE("a base libpq cannot read is a usage error that does not echo it") {
        try {
            connection_url_for("postgresql://a:Secr%zzet@h/d", "e", "x", "e");
            FAIL("no error");
        } catch (const UsageError& error) {
            CHECK(std::string(error.what()).find("Secr") == std::string::npos);
            CHECK(std::string(error.what()).rfind("cannot read the connection string: ", 0) == 0);
        }
    }
}

TEST_SUITE("connection_string_with_database") {
    TEST_CASE("every setting is kept but the database, quoted for libpq") {
        CHECK(
            connection_string_with_database("postgresql://u:it's@h:1/old?sslmode=disable", "new") ==
            "dbname='new' host='h' password='it\\'s' port='1' sslmode='disable' user='u'");
    }
}
