#pragma once

// Reading and writing whole files, with errors that name the file.

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace ecluse {

// The whole content of a file; throws InputError naming the file when it
// cannot be read.
std::string read_file(const std::filesystem::path& path);

// Like read_file, but nullopt when the file does not exist.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path);

// Replaces a file's content atomically (write to a temporary file in the
// same folder, then rename), so that an interrupted write loses nothing.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

} // namespace ecluse
