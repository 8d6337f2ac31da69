#include "util/lifetime.hpp"

#include <vector>

namespace ecluse::detail {

void keep_reachable(const void* object) {
    // Never freed either, and reachable from this static pointer.
    static auto* kept = new std::vector<const void*>();
    kept->push_back(object);
}

} // namespace ecluse::detail
