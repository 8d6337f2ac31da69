#pragma once

// The one place where ecluse runs work on more than one thread: reading a
// project of thousands of revision files (listing the folders while the
// revision cache loads; then a stat, and often a read and a parse, per
// file: mostly system calls) and parsing their SQL (check, lint), where
// libpg_query keeps its state per thread. bench/graph's
// 20,000 revisions measure what it gains (bench/README.md). Nothing else
// needs threads.

#include <cstddef>
#include <functional>

namespace ecluse {

// Calls `work(begin, end)` on ranges that cover [0, count): one range on
// this thread below `threshold` items, otherwise two halves at once. The
// ranges must touch disjoint data; an exception from either is rethrown
// once both are done.
void for_halves(std::size_t count, std::size_t threshold,
                const std::function<void(std::size_t begin, std::size_t end)>& work);

// Runs `first` on this thread and `second` on another, at once; an
// exception from either is rethrown once both are done (first's if both).
void both(const std::function<void()>& first, const std::function<void()>& second);

} // namespace ecluse
