#include "runtime/lock.hpp"

#include "util/error.hpp"
#include "util/hash.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <thread>

namespace ecluse {

namespace {

// Two int4 keys: a constant for ecluse and one derived from the schema, so
// that two projects with their own schemas in one database do not collide.
std::string lock_key(const std::string& schema) {
    long long low = std::stoll(sha256_hex(schema).substr(0, 7), nullptr, 16);
    return "1701015925, " + std::to_string(low);
}

} // namespace

AdvisoryLock::AdvisoryLock(pg::Connection& connection, const std::string& schema,
                           std::chrono::milliseconds wait, const std::string& also)
    : m_connection(connection), m_key(lock_key(schema)) {
    std::string attempt_sql = "SELECT pg_try_advisory_lock(" + m_key + ")";
    if (!also.empty()) {
        attempt_sql += ", " + also;
    }
    auto start = std::chrono::steady_clock::now();
    auto deadline = start + wait;
    auto pause = std::chrono::milliseconds(50);
    for (int attempt = 1;; ++attempt) {
        auto rows = m_connection.query(attempt_sql);
        if (rows.at(0).at(0) == std::optional<std::string>("t")) {
            if (!also.empty()) {
                m_also = rows.at(0).at(1);
            }
            log::debug("took the migration lock (session advisory lock " + m_key + ") after " +
                       std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::steady_clock::now() - start)
                                          .count()) +
                       " ms");
            return;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            break;
        }
        if (attempt == 1) {
            log::info("another ecluse holds the migration lock; waiting up to " +
                      std::to_string(wait.count()) + " ms (--lock-wait)");
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(500));
    }
    std::string comma = m_key.substr(m_key.find(',') + 2);
    auto holder = m_connection.query(
        "SELECT a.pid, coalesce(a.application_name, ''), "
        "to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "coalesce(a.client_addr::text, 'local') FROM pg_locks l JOIN pg_stat_activity a ON a.pid = "
        "l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 1701015925 AND l.database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database()) AND l.objid = " +
        comma + " LIMIT 1");
    std::string who = "another session";
    if (!holder.empty()) {
        who = "pid " + holder[0][0].value_or("?") + " (application " +
              quote_value(holder[0][1].value_or("")) + ", from " + holder[0][3].value_or("?") +
              ", connected since " + holder[0][2].value_or("?") + ")";
    }
    throw LockBusy("another ecluse holds the migration lock of this database: " + who,
                   "wait for it to finish, or raise --lock-wait (it was " +
                       std::to_string(wait.count()) + " ms)");
}

AdvisoryLock::~AdvisoryLock() {
    try {
        m_connection.query("SELECT pg_advisory_unlock(" + m_key + ")");
    } catch (...) {
        // The session ending releases it anyway.
    }
}

} // namespace ecluse
