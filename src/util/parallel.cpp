#include "util/parallel.hpp"

#include <future>

namespace ecluse {

void both(const std::function<void()>& first, const std::function<void()>& second) {
    auto other = std::async(std::launch::async, second);
    std::exception_ptr first_error;
    try {
        first();
    } catch (...) {
        first_error = std::current_exception();
    }
    other.get();
    if (first_error) {
        std::rethrow_exception(first_error);
    }
}

void for_halves(std::size_t count, std::size_t threshold,
                const std::function<void(std::size_t begin, std::size_t end)>& work) {
    if (count < threshold || count < 2) {
        work(0, count);
        return;
    }
    std::size_t middle = count / 2;
    both([&] { work(0, middle); }, [&] { work(middle, count); });
}

} // namespace ecluse
