#include "tests/support/e2e.hpp"

#include "util/file.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace ecluse::test {

namespace fs = std::filesystem;

TempDir::TempDir() {
    std::string pattern = (fs::temp_directory_path() / "ecluse-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
    }
    m_path = pattern;
}

TempDir::~TempDir() {
    std::error_code ignored;
    fs::remove_all(m_path, ignored);
}

static std::string environment(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr) {
        throw std::runtime_error(std::string(name) +
                                 " is not set: run the tests with `meson test`");
    }
    return value;
}

ProcessResult run_ecluse(const fs::path& cwd, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {environment("ECLUSE_BIN")};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions options;
    options.working_directory = cwd;
    return run_process(argv, options);
}

ProcessResult git(const fs::path& cwd, const std::vector<std::string>& args, bool may_fail) {
    std::vector<std::string> argv = {"git"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions options;
    options.working_directory = cwd;
    options.extra_environment = {
        {"GIT_AUTHOR_NAME", "Test"},
        {"GIT_AUTHOR_EMAIL", "test@example.org"},
        {"GIT_COMMITTER_NAME", "Test"},
        {"GIT_COMMITTER_EMAIL", "test@example.org"},
        {"GIT_EDITOR", "true"},
        {"GIT_CONFIG_NOSYSTEM", "1"},
        {"GIT_CONFIG_GLOBAL", "/dev/null"},
        {"ECLUSE", environment("ECLUSE_BIN")},
    };
    ProcessResult result = run_process(argv, options);
    if (result.exit_code != 0 && !may_fail) {
        throw std::runtime_error("git " + args.front() + " failed: " + result.errors +
                                 result.output);
    }
    return result;
}

void init_repository(const fs::path& dir) {
    git(dir, {"init", "-q", "-b", "main"});
    ProcessResult init = run_ecluse(dir, {"init"});
    if (init.exit_code != 0) {
        throw std::runtime_error("ecluse init failed: " + init.errors);
    }
    git(dir, {"add", "-A"});
    git(dir, {"commit", "-q", "-m", "init"});
}

std::string read(const fs::path& path) {
    return read_file(path);
}

void write(const fs::path& path, const std::string& content) {
    fs::create_directories(path.parent_path());
    write_file_atomically(path, content);
}

std::vector<fs::path> revision_files(const fs::path& root, const std::string& branch) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(root / "migrations" / branch)) {
        if (entry.path().extension() == ".sql") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

fs::path source_root() {
    return environment("ECLUSE_SOURCE_ROOT");
}

} // namespace ecluse::test
