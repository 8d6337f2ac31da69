#include "pg/libpq_loader.hpp"

namespace ecluse::pg {

// Linked: the dynamic loader opened libpq when ecluse started.
void load_libpq() {}

} // namespace ecluse::pg
