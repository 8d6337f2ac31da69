#pragma once

// Objects kept until the process exits, never destroyed.
//
// A command that builds a large structure just before it exits (the graph
// of 20,000 revisions: tens of thousands of allocations) would spend
// milliseconds freeing it, only for the system to take all of the memory
// back a moment later; compilers skip freeing their syntax trees at exit
// for the same reason. The object stays reachable, so a leak checker does
// not report it. For the few objects a command's last steps use, from one
// thread.

#include <utility>

namespace ecluse {

namespace detail {
void keep_reachable(const void* object);
}

// `object`, moved to where it lives until the process exits.
template <typename T>
T& keep_until_exit(T object) {
    T* kept = new T(std::move(object));
    detail::keep_reachable(kept);
    return *kept;
}

} // namespace ecluse
