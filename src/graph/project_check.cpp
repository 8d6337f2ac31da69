#include "graph/project_check.hpp"

#include "graph/conflict.hpp"
#include "graph/snapshots.hpp"
#include "script/project.hpp"
#include "script/sql_splitter.hpp"
#include "util/file.hpp"

#include <future>

namespace ecluse {

namespace {

// Splits the SQL of revisions [begin, end) that have it loaded (the others
// were found valid before); `valid[i]` says whether both sections split.
std::vector<Diagnostic> check_sql(const std::vector<RevisionFile>& revisions, std::size_t begin,
                                  std::size_t end, std::vector<char>& valid) {
    std::vector<Diagnostic> problems;
    for (std::size_t i = begin; i < end; ++i) {
        if (!revisions[i].sections_loaded) {
            continue;
        }
        valid[i] = 1;
        for (const Section* section : {&revisions[i].upgrade, &revisions[i].downgrade}) {
            try {
                refuse_transaction_control(revisions[i], split_section(revisions[i], *section));
            } catch (const InputError& error) {
                problems.push_back({error.location(), error.bare_message(), error.hint(), true});
                valid[i] = 0;
            }
        }
    }
    return problems;
}

} // namespace

CheckReport check_project(const std::filesystem::path& root, RevisionCache* cache) {
    CheckReport report;
    ProjectReadOptions options;
    if (cache != nullptr && cache->enabled()) {
        options = {ProjectReadOptions::Sections::unchecked, cache};
    }
    ProjectFiles files = read_project_files(root, options);
    report.problems = std::move(files.problems);

    // Parsing SQL dominates on large histories; libpg_query keeps its state
    // per thread, so two threads split the work.
    const auto& revisions = files.revisions;
    std::size_t middle = revisions.size() > 256 ? revisions.size() / 2 : revisions.size();
    std::future<std::vector<Diagnostic>> second_half;
    std::vector<char> valid(revisions.size(), 0);
    if (middle < revisions.size()) {
        second_half = std::async(std::launch::async, check_sql, std::cref(revisions), middle,
                                 revisions.size(), std::ref(valid));
    }
    auto sql_problems = check_sql(revisions, 0, middle, valid);
    if (second_half.valid()) {
        auto more = second_half.get();
        sql_problems.insert(sql_problems.end(), more.begin(), more.end());
    }
    report.problems.insert(report.problems.end(), sql_problems.begin(), sql_problems.end());
    if (options.cache != nullptr) {
        for (std::size_t i = 0; i < revisions.size(); ++i) {
            if (valid[i] != 0) {
                options.cache->mark_sql_checked(revisions[i].path);
            }
        }
    }

    std::vector<SnapshotFile> snapshots;
    try {
        snapshots = load_snapshot_files(root);
    } catch (const Error& error) {
        report.problems.insert(report.problems.end(), error.details().begin(),
                               error.details().end());
    }
    for (const SnapshotFile& snapshot : snapshots) {
        try {
            split_statements(snapshot.sql,
                             SourceLocation{snapshot.path, snapshot.sql_first_line, 1});
        } catch (const InputError& error) {
            report.problems.push_back({error.location(), error.bare_message(), error.hint(), true});
        }
    }
    const RevisionGraph& graph =
        report.graph.emplace(std::move(files.revisions), replaced_revisions(snapshots));
    report.revisions = graph.size();
    report.problems.insert(report.problems.end(), graph.problems().begin(), graph.problems().end());
    report.heads = expected_conflict_heads(graph);
    std::filesystem::path conflict_path = conflict_file_path(root);
    auto conflict = check_conflict_file(graph, read_file_if_exists(conflict_path),
                                        std::string(k_conflict_file_name));
    report.problems.insert(report.problems.end(), conflict.begin(), conflict.end());
    return report;
}

} // namespace ecluse
