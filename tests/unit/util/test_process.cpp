#include "util/process.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <string>
#include <vector>

using namespace ecluse;

TEST_SUITE("stream_process") {

    TEST_CASE("lines come whole, in order, from both streams") {
        std::vector<std::string> out;
        std::vector<std::string> err;
        StreamResult result =
            stream_process({"sh", "-c", "printf 'one\\ntwo\\r\\nthree'; echo oops >&2"}, {},
                           [&](OutputStream stream, const std::string& line) {
                               (stream == OutputStream::out ? out : err).push_back(line);
                           });
        CHECK(result.exit_code == 0);
        CHECK(out == std::vector<std::string>{"one", "two", "three"});
        CHECK(err == std::vector<std::string>{"oops"});
    }

    TEST_CASE("a 20 MB line without a line end comes in bounded pieces, nothing lost or cut "
              "inside a character") {
        std::size_t total = 0;
        std::size_t longest = 0;
        std::size_t pieces = 0;
        bool whole_characters = true;
        // 'é' is two bytes: a cut between them would split a character.
        StreamResult result =
            stream_process({"sh", "-c", "yes 'é' | tr -d '\\n' | head -c 20000000"}, {},
                           [&](OutputStream, const std::string& line) {
                               total += line.size();
                               longest = std::max(longest, line.size());
                               ++pieces;
                               whole_characters = whole_characters && line.size() % 2 == 0 &&
                                                  static_cast<unsigned char>(line.front()) == 0xC3;
                           });
        CHECK(result.exit_code == 0);
        CHECK(total == 20000000);
        CHECK(longest <= 65536);
        CHECK(pieces >= 20000000 / 65536);
        CHECK(whole_characters);
    }

    TEST_CASE("keep_running saying no stops the program") {
        int polls = 0;
        StreamOptions options;
        options.keep_running = [&] { return ++polls < 3; };
        StreamResult result = stream_process({"sleep", "30"}, options, {});
        CHECK(result.stopped);
        CHECK(result.exit_code == 128 + 15);
    }
}
