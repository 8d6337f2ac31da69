#include "util/parallel.hpp"

#include <future>

namespace ecluse {

void for_halves(std::size_t count, std::size_t threshold,
                const std::function<void(std::size_t begin, std::size_t end)>& work) {
    if (count < threshold || count < 2) {
        work(0, count);
        return;
    }
    std::size_t middle = count / 2;
    auto second = std::async(std::launch::async, work, middle, count);
    std::exception_ptr first_error;
    try {
        work(0, middle);
    } catch (...) {
        first_error = std::current_exception();
    }
    second.get();
    if (first_error) {
        std::rethrow_exception(first_error);
    }
}

} // namespace ecluse
