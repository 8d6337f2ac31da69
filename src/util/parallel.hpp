#pragma once

// The one place where ecluse runs work on more than one thread: parsing
// the SQL of thousands of revisions (check, lint), which libpg_query does
// on one core at a time per thread. Measured on bench/graph's 20,000
// revisions: `check` without a cache takes about half the time on two
// threads. Nothing else needs threads.

#include <cstddef>
#include <functional>

namespace ecluse {

// Calls `work(begin, end)` on ranges that cover [0, count): one range on
// this thread below `threshold` items, otherwise two halves at once. The
// ranges must touch disjoint data; an exception from either is rethrown
// once both are done.
void for_halves(std::size_t count, std::size_t threshold,
                const std::function<void(std::size_t begin, std::size_t end)>& work);

} // namespace ecluse
