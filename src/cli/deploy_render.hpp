#pragma once

// How deploy's events and plan are printed, one renderer per format: a
// release log a person reads, or one JSON object per line. Both flush each
// event as it happens, so that a pipeline's log follows the deploy.

#include "config/settings.hpp"
#include "graph/revision_graph.hpp"
#include "runtime/deploy.hpp"

#include <string>
#include <vector>

namespace ecluse::cli {

void print_json_event(const DeployEvent& event, const std::string& deploy_id);
// Quiet (-q) keeps only the hook's lines.
void print_text_event(const DeployEvent& event, const std::string& deploy_id,
                      const Settings& settings, const RevisionGraph& graph);

// `deploy --plan`: what would run, in settings.format (text, json or
// markdown); returns the exit code (0).
int print_plan(const Settings& settings, const DeployPlan& plan,
               const std::vector<std::string>& hook);

} // namespace ecluse::cli
