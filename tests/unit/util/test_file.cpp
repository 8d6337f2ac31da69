#include "util/error.hpp"
#include "util/file.hpp"

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

using namespace ecluse;

namespace {

namespace fs = std::filesystem;

// A file of `size` bytes whose content differs at every position.
std::string content_of_size(std::size_t size) {
    std::string content(size, '\0');
    for (std::size_t i = 0; i < size; ++i) {
        content[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    }
    return content;
}

struct TemporaryFolder {
    fs::path path;
    TemporaryFolder() {
        std::string pattern = (fs::temp_directory_path() / "ecluse-file-XXXXXX").string();
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~TemporaryFolder() { fs::remove_all(path); }
    TemporaryFolder(const TemporaryFolder&) = delete;
    TemporaryFolder& operator=(const TemporaryFolder&) = delete;

    fs::path write(const std::string& name, const std::string& content) const {
        fs::path file = path / name;
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }
};

} // namespace

TEST_CASE("read_file gives every byte, whatever the size and the sizes read before") {
    TemporaryFolder folder;
    // Around the 64 KiB a per-thread buffer keeps, and well past it; small
    // after large, so that a buffer handed over or kept cannot leak bytes.
    for (std::size_t size : {0, 1, 65'535, 65'536, 65'537, 3'000'000, 10, 200'000, 5}) {
        CAPTURE(size);
        std::string content = content_of_size(size);
        fs::path file = folder.write("f" + std::to_string(size), content);
        CHECK(read_file(file) == content);
        CHECK(read_file_if_exists(file) == content);
    }
}

TEST_CASE("read_file_if_exists: nothing for a missing file; an error past the limit") {
    TemporaryFolder folder;
    CHECK_FALSE(read_file_if_exists(folder.path / "missing").has_value());
    CHECK_THROWS_AS(read_file(folder.path / "missing"), InputError);
    fs::path file = folder.write("big", content_of_size(3 * 1024 * 1024));
    CHECK_THROWS_WITH_AS(read_file(file, 2 * 1024 * 1024), doctest::Contains("larger than 2 MiB"),
                         InputError);
    CHECK(read_file(file, 3 * 1024 * 1024).size() == 3 * 1024 * 1024);
}
