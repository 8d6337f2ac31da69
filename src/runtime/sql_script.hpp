#pragma once

// `upgrade --sql` and `downgrade --sql`: the plan as a script that
// `psql -v ON_ERROR_STOP=1 -f` runs to the same end state as the online
// command, bookkeeping included.

#include "runtime/ledger.hpp"
#include "runtime/migrator.hpp"

#include <string>
#include <vector>

namespace ecluse {

std::string render_sql_script(const std::vector<PreparedStep>& steps, const LedgerSql& ledger,
                              const MigratorOptions& options, const std::string& title);

} // namespace ecluse
