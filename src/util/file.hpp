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

// A file's content mapped read-only into memory: a large file (the
// revision cache, several MB) is not copied, and its pages come from the
// page cache, not from fresh zeroed memory. Only for files that are
// replaced by rename, never rewritten in place (a file truncated while
// mapped would fault on access).
class MappedFile {
public:
    MappedFile() = default;
    ~MappedFile();
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    // nullopt when the file does not exist; throws InputError naming the
    // file when it cannot be read. An empty file maps to an empty view.
    static std::optional<MappedFile> open_if_exists(const std::filesystem::path& path);

    std::string_view content() const { return {m_data, m_size}; }

private:
    const char* m_data = nullptr;
    std::size_t m_size = 0;
    void* m_mapping = nullptr; // nullptr for an empty file
};

// Replaces a file's content atomically (write to a temporary file in the
// same folder, then rename), so that an interrupted write loses nothing.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

} // namespace ecluse
