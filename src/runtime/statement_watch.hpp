#pragma once

// What a long statement is doing, seen from a second connection while the
// migration's connection waits for it: its wait event or the lock it waits
// for and who holds it, and for index builds, CLUSTER and VACUUM the phase
// and share done from PostgreSQL's progress views. The migrator reports it
// every few seconds, so that a CI log shows a migration alive.

#include "pg/connection.hpp"
#include "util/error.hpp"
#include "util/time.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace ecluse {

struct StatementActivity {
    int statement = 0;  // 1-based, in its revision
    int statements = 0; // how many the revision has
    SourceLocation location;
    double elapsed_seconds = 0;
    std::string wait_event_type; // "Lock", "IO", ...; empty when running on CPU
    std::string wait_event;      // "relation", "DataFileRead", ...
    std::string blockers;        // "pid 4242 (psql, idle in transaction)", for a lock wait
    std::string command;         // "CREATE INDEX CONCURRENTLY", "CLUSTER", "VACUUM"
    std::string phase;           // the progress view's phase ("building index: scanning table")
    std::optional<double> percent_done;
    std::string done_of; // what percent_done counts: "blocks", "tuples"
};

// "statement 2 of 3 (migrations/pre/x.sql:5), 12 s: waiting for a lock held
// by pid 4242 (psql, idle in transaction)".
std::string activity_text(const StatementActivity& progress);

// A thread that, while a statement runs on `watched`, reports its progress
// every `every` once it has run that long. Its own connection opens at the
// first report, so that fast migrations never pay for it. A report is never
// delivered after end() returns.
class StatementWatch {
public:
    using Report = std::function<void(const StatementActivity&)>;
    StatementWatch(const pg::Connection& watched, Duration every, Report report);
    ~StatementWatch();
    StatementWatch(const StatementWatch&) = delete;
    StatementWatch& operator=(const StatementWatch&) = delete;

    void begin(int statement, int statements, const SourceLocation& location);
    void end();

private:
    void loop();
    // Reads the watched backend's state; only the elapsed time when it
    // cannot be read (the watch never fails the migration).
    StatementActivity sample();

    const pg::Connection& m_watched;
    int m_pid;
    std::chrono::milliseconds m_every;
    Report m_report;
    std::unique_ptr<pg::Connection> m_connection; // the watch's own, opened when first needed
    bool m_connection_failed = false;

    std::mutex m_mutex;
    std::condition_variable m_changed;
    bool m_stopping = false;
    bool m_active = false;
    unsigned m_generation = 0; // one per begin()
    StatementActivity m_current;
    std::chrono::steady_clock::time_point m_started;
    std::thread m_thread;
};

} // namespace ecluse
