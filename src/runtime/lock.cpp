#include "runtime/lock.hpp"

#include "util/error.hpp"
#include "util/hash.hpp"
#include "util/log.hpp"
#include "util/strings.hpp"

#include <thread>

namespace ecluse {

namespace {

// Two int4 keys: a constant for ecluse (one per scope) and one derived from
// the schema, so that two projects with their own schemas in one database do
// not collide.
std::string class_key(LockScope scope) {
    return scope == LockScope::migrations ? "1701015925" : "1701015926";
}

std::string lock_key(const std::string& schema, LockScope scope) {
    long long low = std::stoll(sha256_hex(schema).substr(0, 7), nullptr, 16);
    return class_key(scope) + ", " + std::to_string(low);
}

} // namespace

AdvisoryLock::AdvisoryLock(pg::Connection& connection, const std::string& schema,
                           std::chrono::milliseconds wait, const std::string& also, LockScope scope)
    : m_connection(connection), m_key(lock_key(schema, scope)) {
    std::string what = scope == LockScope::migrations ? "the migration lock" : "the hook lock";
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
            log::debug("took " + what + " (session advisory lock " + m_key + ") after " +
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
            log::info(scope == LockScope::migrations
                          ? "another ecluse holds the migration lock; waiting up to " +
                                std::to_string(wait.count()) + " ms (--lock-wait)"
                          : "another deploy's hook is still running; waiting up to " +
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
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = " +
        class_key(scope) +
        " AND l.database = "
        "(SELECT oid FROM pg_database WHERE datname = current_database()) AND l.objid = " +
        comma + " LIMIT 1");
    std::string who = "another session";
    if (!holder.empty()) {
        who = "pid " + holder[0][0].value_or("?") + " (application " +
              quote_value(holder[0][1].value_or("")) + ", from " + holder[0][3].value_or("?") +
              ", connected since " + holder[0][2].value_or("?") + ")";
    }
    throw LockBusy((scope == LockScope::migrations
                        ? "another ecluse holds the migration lock of this database: "
                        : "another deploy's hook is still running on this database: ") +
                       who,
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

SessionWatch::SessionWatch(std::vector<pg::Connection*> sessions, std::chrono::milliseconds every)
    : m_sessions(std::move(sessions)), m_every(every), m_thread([this] { run(); }) {}

SessionWatch::~SessionWatch() {
    stop();
}

void SessionWatch::stop() {
    {
        std::lock_guard<std::mutex> guard(m_mutex);
        m_stopping = true;
    }
    m_wake.notify_all();
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

std::string SessionWatch::why() const {
    std::lock_guard<std::mutex> guard(m_mutex);
    return m_why;
}

void SessionWatch::run() {
    std::unique_lock<std::mutex> guard(m_mutex);
    while (!m_lost.load()) {
        if (m_wake.wait_for(guard, m_every, [this] { return m_stopping; })) {
            return;
        }
        guard.unlock();
        std::optional<std::string> why;
        for (pg::Connection* session : m_sessions) {
            try {
                session->query("SELECT 1");
            } catch (const std::exception& error) {
                why = error.what();
                break;
            }
        }
        guard.lock();
        if (why) {
            m_why = *why;
            m_lost.store(true);
        }
    }
}

} // namespace ecluse
