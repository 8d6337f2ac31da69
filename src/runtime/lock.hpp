#pragma once

// One ecluse at a time per database: a session-level advisory lock, taken
// with pg_try_advisory_lock in a loop outside any transaction and held for
// the whole run (a transaction-level lock deadlocks with CREATE INDEX
// CONCURRENTLY). Needs a direct connection or PgBouncer session pooling.

#include "pg/connection.hpp"

#include <chrono>
#include <optional>
#include <string>

namespace ecluse {

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
                 std::chrono::milliseconds wait, const std::string& also = {});
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

} // namespace ecluse
