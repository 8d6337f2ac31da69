#include "graph/project_check.hpp"

#include "graph/conflict.hpp"
#include "graph/snapshots.hpp"
#include "script/project.hpp"
#include "script/sql_splitter.hpp"
#include "util/file.hpp"

#include <future>

namespace ecluse {

namespace {

std::vector<Diagnostic> check_sql(const std::vector<RevisionFile>& revisions, std::size_t begin,
                                  std::size_t end) {
    std::vector<Diagnostic> problems;
    for (std::size_t i = begin; i < end; ++i) {
        for (const Section* section : {&revisions[i].upgrade, &revisions[i].downgrade}) {
            try {
                split_section(revisions[i], *section);
            } catch (const InputError& error) {
                problems.push_back({error.location(), error.bare_message(), error.hint(), true});
            }
        }
    }
    return problems;
}

} // namespace

CheckReport check_project(const std::filesystem::path& root) {
    CheckReport report;
    ProjectFiles files = read_project_files(root);
    report.problems = std::move(files.problems);

    // Parsing SQL dominates on large histories; libpg_query keeps its state
    // per thread, so two threads split the work.
    const auto& revisions = files.revisions;
    std::size_t middle = revisions.size() > 256 ? revisions.size() / 2 : revisions.size();
    std::future<std::vector<Diagnostic>> second_half;
    if (middle < revisions.size()) {
        second_half = std::async(std::launch::async, check_sql, std::cref(revisions), middle,
                                 revisions.size());
    }
    auto sql_problems = check_sql(revisions, 0, middle);
    if (second_half.valid()) {
        auto more = second_half.get();
        sql_problems.insert(sql_problems.end(), more.begin(), more.end());
    }
    report.problems.insert(report.problems.end(), sql_problems.begin(), sql_problems.end());

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
    RevisionGraph graph(std::move(files.revisions), replaced_revisions(snapshots));
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
