// Fuzzes the data-only dump check: any text either reads or throws
// ecluse::Error; every statement kept is located in the text, COPY data
// only on a COPY, and nothing kept or skipped names ecluse's schema twice.

#include "lint/data_dump.hpp"
#include "util/error.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    ecluse::DataDump dump;
    try {
        dump = ecluse::read_data_dump(text, "fuzz.sql", "ecluse");
    } catch (const ecluse::Error&) {
        return 0;
    }
    if (dump.data_statements > dump.statements.size()) {
        std::fprintf(stderr, "more data statements than statements\n");
        std::abort();
    }
    for (const auto& statement : dump.statements) {
        if (statement.sql.empty() || statement.location.line < 1 || statement.location.column < 1 ||
            (statement.copy_data.has_value() &&
             statement.copy_data_line <= statement.location.line)) {
            std::fprintf(stderr, "statement at %s: empty or badly located\n",
                         statement.location.to_string().c_str());
            std::abort();
        }
    }
    for (auto it = dump.skipped.begin(); it != dump.skipped.end(); ++it) {
        if (it->empty() || std::find(it + 1, dump.skipped.end(), *it) != dump.skipped.end()) {
            std::fprintf(stderr, "skipped name empty or twice: %s\n", it->c_str());
            std::abort();
        }
    }
    return 0;
}
