#pragma once

#include <filesystem>
#include <string>

namespace ecluse::cli {

// Installs the git pre-commit hook that keeps the conflict-detection file
// in step. Refuses (CheckFailed) to replace a hook that is not ecluse's
// unless `force`. Returns what it did, for the user.
std::string install_hook(const std::filesystem::path& root, bool force);

} // namespace ecluse::cli
