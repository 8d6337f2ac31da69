#pragma once

// Reading and writing whole files, with errors that name the file.

#include <sys/stat.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ecluse {

// The most ecluse reads of one file it is given (a revision, seed or
// snapshot file, ecluse.toml, the conflict file, a FILE argument).
inline constexpr std::size_t k_max_input_file_size = 64 * 1024 * 1024;
// The most `data load` reads of one dump.
inline constexpr std::size_t k_max_data_file_size = 1024 * 1024 * 1024;

// Every file ecluse reads from outside goes through here: only a regular
// file is read (a symbolic link to one is followed); a FIFO, a socket or a
// device is refused without waiting on it, and so is a file of more than
// `limit` bytes (read no further than that, whatever its size says).
// Errors are InputError (exit 2) naming the file and what to do.

// The whole content of a file; throws InputError naming the file when it
// cannot be read.
std::string read_file(const std::filesystem::path& path, std::size_t limit = k_max_input_file_size);

// Like read_file, but nullopt when the file does not exist.
std::optional<std::string> read_file_if_exists(const std::filesystem::path& path,
                                               std::size_t limit = k_max_input_file_size);

// Replaces a file's content atomically (write to a temporary file in the
// same folder, then rename), so that an interrupted write loses nothing.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

} // namespace ecluse
