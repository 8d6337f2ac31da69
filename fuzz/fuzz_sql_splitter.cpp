// Fuzzes SQL splitting: any text either splits or throws ecluse::Error, and
// every statement found is located inside the text.

#include "script/sql_splitter.hpp"
#include "util/error.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    std::vector<ecluse::Statement> statements;
    try {
        statements = ecluse::split_statements(text, ecluse::SourceLocation{"fuzz.sql", 1, 1});
    } catch (const ecluse::Error&) {
        return 0;
    }
    for (const auto& statement : statements) {
        if (statement.sql.empty() || statement.location.line < 1 || statement.location.column < 1) {
            std::fprintf(stderr, "statement at %s: empty or badly located\n",
                         statement.location.to_string().c_str());
            std::abort();
        }
    }
    return 0;
}
