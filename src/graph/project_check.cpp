#include "graph/project_check.hpp"

#include "graph/conflict.hpp"
#include "graph/snapshots.hpp"
#include "script/project.hpp"
#include "script/sql_splitter.hpp"
#include "util/file.hpp"
#include "util/parallel.hpp"

namespace ecluse {

CheckReport check_project(Project& project) {
    CheckReport report;
    report.problems = project.problems();
    const std::vector<RevisionFile>& headers = project.headers();

    // The SQL of each revision whose content was not found valid before
    // (by the cache), split; parsing dominates on large histories.
    std::vector<const RevisionFile*> to_split;
    for (const RevisionFile& header : headers) {
        if (!project.sql_checked(header.path)) {
            to_split.push_back(&project.sql(header));
        }
    }
    std::vector<std::vector<Diagnostic>> found(to_split.size());
    for_halves(to_split.size(), 256, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            for (const Section* section : {&to_split[i]->upgrade, &to_split[i]->downgrade}) {
                try {
                    refuse_transaction_control(*to_split[i], split_section(*to_split[i], *section));
                } catch (const InputError& error) {
                    found[i].push_back(
                        {error.location(), error.bare_message(), error.hint(), true});
                }
            }
        }
    });
    for (std::size_t i = 0; i < to_split.size(); ++i) {
        if (found[i].empty()) {
            project.mark_sql_checked(to_split[i]->path);
        }
        report.problems.insert(report.problems.end(), found[i].begin(), found[i].end());
    }

    std::vector<SnapshotFile> snapshots;
    try {
        snapshots = load_snapshot_files(project.root());
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
    const RevisionGraph& graph = report.graph.emplace(headers, replaced_revisions(snapshots));
    report.revisions = graph.size();
    report.problems.insert(report.problems.end(), graph.problems().begin(), graph.problems().end());
    report.heads = expected_conflict_heads(graph);
    std::filesystem::path conflict_path = conflict_file_path(project.root());
    auto conflict = check_conflict_file(graph, read_file_if_exists(conflict_path),
                                        std::string(k_conflict_file_name));
    report.problems.insert(report.problems.end(), conflict.begin(), conflict.end());
    return report;
}

} // namespace ecluse
