#pragma once

// Where libpq comes from: linked into ecluse, or loaded when the first
// connection is made (libpq_lazy.cpp, the default build).

namespace ecluse::pg {

// Makes sure libpq is there; call before any libpq or libpqxx function.
// Throws Error (exit 1) when it cannot be loaded.
void load_libpq();

} // namespace ecluse::pg
