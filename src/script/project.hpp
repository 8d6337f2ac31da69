#pragma once

// The user's project on disk: where its revision files and conflict file are.

#include "script/revision_cache.hpp"
#include "script/revision_file.hpp"
#include "util/error.hpp"

#include <filesystem>
#include <vector>

namespace ecluse {

inline constexpr std::string_view k_migrations_folder = "migrations";
inline constexpr std::string_view k_snapshot_folder = "snapshot";

std::filesystem::path branch_folder(const std::filesystem::path& root, Branch branch);
std::filesystem::path conflict_file_path(const std::filesystem::path& root);

// What reading a project's revision files found: the files that parse,
// and a problem (bad_input) for each that does not.
struct ProjectFiles {
    std::vector<RevisionFile> revisions;
    std::vector<Diagnostic> problems;
    std::size_t files_read = 0; // the others came from the cache
    // Branch folders listed from disk; the others' listings came from the
    // cache (RevisionCache::record_listing).
    std::size_t folders_listed = 0;
};

// How much of each revision to read, and with which cache.
struct ProjectReadOptions {
    // Which revisions get their sections' text (RevisionFile::sections_loaded):
    // all of them; none (heads, history); or, with a cache, those whose SQL
    // the cache has not recorded as checked (`check`).
    enum class Sections { all, none, unchecked };
    Sections sections = Sections::all;
    // Consulted and updated unless sections are `all`; the caller saves it.
    // An unchanged file found there is not read.
    RevisionCache* cache = nullptr;
};

ProjectFiles read_project_files(const std::filesystem::path& root,
                                const ProjectReadOptions& options = {});

// Every revision file of both branches, sorted by path. Throws InputError
// (exit 2) listing every file that cannot be read as a revision, every
// `.sql` file outside `migrations/pre` and `migrations/post` (snapshots
// aside), and a project without a `migrations/` folder.
std::vector<RevisionFile> load_revision_files(const std::filesystem::path& root,
                                              const ProjectReadOptions& options = {});

// `revision` (read without its sections) read again from its file under
// `root`, sections included. Throws InputError when the file can no longer
// be read, and CheckFailed when its header is no longer the one read first
// (the file changed while ecluse was running).
RevisionFile read_sections(const std::filesystem::path& root, const RevisionFile& revision);

} // namespace ecluse
