#pragma once

// Helpers for end-to-end tests: a fresh folder per test, the real ecluse
// binary, real git.

#include "util/process.hpp"

#include <filesystem>
#include <string>
#include <vector>

namespace ecluse::test {

// A temporary folder removed when the object goes away.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

// Runs the ecluse under test ($ECLUSE_BIN) in `cwd`.
ProcessResult run_ecluse(const std::filesystem::path& cwd, const std::vector<std::string>& args);

// Runs git in `cwd` with a fixed identity and no editor; fails the test
// (throws) when git exits non-zero unless `may_fail`.
ProcessResult git(const std::filesystem::path& cwd, const std::vector<std::string>& args,
                  bool may_fail = false);

// A git repository with one initial commit, `ecluse init` already run.
void init_repository(const std::filesystem::path& dir);

std::string read(const std::filesystem::path& path);
void write(const std::filesystem::path& path, const std::string& content);

// The revision files of a branch folder, sorted by name.
std::vector<std::filesystem::path> revision_files(const std::filesystem::path& root,
                                                  const std::string& branch);

// The folder of the ecluse source tree ($ECLUSE_SOURCE_ROOT).
std::filesystem::path source_root();

} // namespace ecluse::test
