#pragma once

// Where libpq comes from: linked into ecluse, or loaded when the first
// connection is made (libpq_lazy.cpp, the default build).

namespace ecluse::pg {

// Makes sure libpq is there: Connection calls it before libpqxx does
// anything, and the first libpq function called does too. Throws Error
// (exit 1) when it cannot be loaded.
void load_libpq();

} // namespace ecluse::pg
