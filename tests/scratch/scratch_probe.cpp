// A process that starts a scratch server and then ends without destroying
// it, for the watchdog tests. Prints the server's folder and postmaster pid
// on two lines, then, by its argument:
//   sleep  waits to be killed by a signal (the default);
//   exit   calls std::exit(0) with the server never destroyed;
//   abort  crashes with SIGABRT;
//   time   instead destroys it, then prints how long start and stop took.

#include "scratch/scratch_server.hpp"
#include "util/error.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

// Reachable from a global, so that leak checkers do not report it when the
// process exits without destroying it; volatile, so that the optimizer keeps
// the store to a global that nothing reads.
ecluse::ScratchServer* volatile g_abandoned = nullptr;

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

} // namespace

int main(int argc, char** argv) {
    std::string mode = argc > 1 ? argv[1] : "sleep";
    try {
        auto started = std::chrono::steady_clock::now();
        auto server = ecluse::ScratchServer::start();
        double start_seconds = seconds_since(started);
        std::cout << server->socket_directory().string() << '\n'
                  << server->postmaster_pid() << std::endl;
        if (mode == "time") {
            auto stopping = std::chrono::steady_clock::now();
            server.reset();
            std::cout << "start " << start_seconds << " s, stop " << seconds_since(stopping) << " s"
                      << std::endl;
            return 0;
        }
        g_abandoned = server.release();
        if (mode == "exit") {
            std::exit(0);
        }
        if (mode == "abort") {
            rlimit no_core{0, 0};
            ::setrlimit(RLIMIT_CORE, &no_core);
            std::abort();
        }
        for (;;) {
            ::pause();
        }
    } catch (const ecluse::Error& error) {
        std::cerr << "scratch_probe: " << error.what() << '\n';
        return 1;
    }
}
