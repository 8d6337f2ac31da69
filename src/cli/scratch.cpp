#include "cli/command.hpp"
#include "scratch/scratch_server.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <iostream>

namespace ecluse::cli {

CommandOptions scratch_options() {
    CommandOptions options("scratch");
    return options;
}

int run_scratch(const Invocation& invocation) {
    auto values = parse_options(invocation);
    if (!values) {
        return 0;
    }
    // Block the signals first, so that they are only taken by sigwait below.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    auto server = ScratchServer::start();
    if (invocation.settings.format == OutputFormat::json) {
        std::cout << json_text({{"url", server->url()}}) << std::endl;
    } else {
        std::cout << server->url() << std::endl;
    }
    std::cerr << "a private PostgreSQL is running (folder " << server->socket_directory().string()
              << "); press Ctrl-C to stop it and remove everything\n";
    int received = 0;
    sigwait(&signals, &received);
    return 0;
}

} // namespace ecluse::cli
