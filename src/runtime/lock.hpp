#pragma once

// One ecluse at a time per database: a session-level advisory lock, taken
// with pg_try_advisory_lock in a loop outside any transaction and held for
// the whole run (a transaction-level lock deadlocks with CREATE INDEX
// CONCURRENTLY). Needs a direct connection or PgBouncer session pooling.

#include "pg/connection.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ecluse {

// What a lock guards: migrations (every command that changes the
// database), or a deploy's hook, held on a session of its own so that two
// hooks never overlap even when the migration lock's session is lost.
enum class LockScope { migrations, hook };

class AdvisoryLock {
public:
    // Waits up to `wait` for the lock; throws Error with exit code 3 naming
    // the holder's pid, application and start time when it stays busy.
    // `also`, when given, is a scalar SQL expression sent in the same
    // statement as the attempt that takes the lock (one round trip instead
    // of two); its value is also(). A failing `also` throws the
    // DatabaseError, and when it fails at parse time (an unknown table) the
    // lock is not taken.
    AdvisoryLock(pg::Connection& connection, const std::string& schema,
                 std::chrono::milliseconds wait, const std::string& also = {},
                 LockScope scope = LockScope::migrations);
    ~AdvisoryLock(); // releases it; never throws
    AdvisoryLock(const AdvisoryLock&) = delete;
    AdvisoryLock& operator=(const AdvisoryLock&) = delete;

    // The value of `also` read with the lock.
    const std::optional<std::string>& also() const { return m_also; }

private:
    pg::Connection& m_connection;
    std::string m_key;
    std::optional<std::string> m_also;
};

// Checks, from a thread of its own, that the sessions holding locks are
// still there (one round trip each, every `every`), while the thread that
// owns them waits on something else (a deploy's hook): nothing else may use
// them until stop(). A session terminated, timed out or lost to a restart
// is noticed within `every`.
class SessionWatch {
public:
    SessionWatch(std::vector<pg::Connection*> sessions, std::chrono::milliseconds every);
    ~SessionWatch(); // stop()
    SessionWatch(const SessionWatch&) = delete;
    SessionWatch& operator=(const SessionWatch&) = delete;

    // Ends the checks; the sessions are the owner's again.
    void stop();
    // Whether a check failed; why, once it did (the server's message).
    bool lost() const { return m_lost.load(); }
    std::string why() const;

private:
    void run();

    std::vector<pg::Connection*> m_sessions;
    std::chrono::milliseconds m_every;
    std::atomic<bool> m_lost{false};
    mutable std::mutex m_mutex;
    std::condition_variable m_wake;
    bool m_stopping = false;
    std::string m_why;
    std::thread m_thread;
};

} // namespace ecluse
