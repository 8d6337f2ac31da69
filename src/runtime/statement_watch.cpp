#include "runtime/statement_watch.hpp"

#include "util/log.hpp"

#include <cmath>
#include <cstdio>

namespace ecluse {

namespace {

// The watched backend, its lock holders, and the progress views that have a
// row for it (at most one does: a backend runs one command).
constexpr const char* k_progress_sql = R"sql(
SELECT a.wait_event_type, a.wait_event,
       (SELECT string_agg('pid ' || b.pid || ' (' || coalesce(nullif(b.application_name, ''), 'no name')
                          || ', ' || coalesce(b.state, 'unknown') || ')', ', ' ORDER BY b.pid)
          FROM pg_stat_activity b WHERE b.pid = ANY (pg_blocking_pids(a.pid))),
       coalesce(i.command, c.command, CASE WHEN v.pid IS NOT NULL THEN 'VACUUM' END),
       coalesce(i.phase, c.phase, v.phase),
       CASE WHEN i.blocks_total > 0 THEN 100.0 * i.blocks_done / i.blocks_total
            WHEN i.tuples_total > 0 THEN 100.0 * i.tuples_done / i.tuples_total
            WHEN c.heap_blks_total > 0 THEN 100.0 * c.heap_blks_scanned / c.heap_blks_total
            WHEN v.heap_blks_total > 0 THEN 100.0 * v.heap_blks_scanned / v.heap_blks_total END,
       CASE WHEN i.blocks_total > 0 THEN 'blocks' WHEN i.tuples_total > 0 THEN 'tuples'
            WHEN c.heap_blks_total > 0 OR v.heap_blks_total > 0 THEN 'blocks' END
  FROM pg_stat_activity a
  LEFT JOIN pg_stat_progress_create_index i ON i.pid = a.pid
  LEFT JOIN pg_stat_progress_cluster c ON c.pid = a.pid
  LEFT JOIN pg_stat_progress_vacuum v ON v.pid = a.pid
 WHERE a.pid = $1)sql";

std::string value(const pg::Row& row, std::size_t column) {
    return row.size() > column && row[column] ? *row[column] : std::string();
}

} // namespace

std::string activity_text(const StatementActivity& progress) {
    std::string out = "statement " + std::to_string(progress.statement) + " of " +
                      std::to_string(progress.statements);
    if (!progress.location.file.empty()) {
        out += " (" + progress.location.to_string() + ")";
    }
    out += ", " + std::to_string(static_cast<long>(std::lround(progress.elapsed_seconds))) + " s: ";
    if (!progress.command.empty()) {
        out += progress.command + (progress.phase.empty() ? "" : ", " + progress.phase);
        if (progress.percent_done) {
            char share[32];
            std::snprintf(share, sizeof share, "%.0f%%", *progress.percent_done);
            out += ", " + std::string(share) + " of " + progress.done_of;
        }
        if (!progress.wait_event_type.empty()) {
            out += "; ";
        }
    }
    if (progress.wait_event_type == "Lock") {
        out += "waiting for a lock (" + progress.wait_event + ")";
        if (!progress.blockers.empty()) {
            out += " held by " + progress.blockers;
        }
    } else if (!progress.wait_event_type.empty()) {
        out += "waiting on " + progress.wait_event_type + ": " + progress.wait_event;
    } else if (progress.command.empty()) {
        out += "running";
    }
    return out;
}

StatementWatch::StatementWatch(const pg::Connection& watched, Duration every, Report report)
    : m_watched(watched), m_pid(watched.backend_pid()), m_every(every.value()),
      m_report(std::move(report)), m_thread([this] { loop(); }) {}

StatementWatch::~StatementWatch() {
    {
        std::lock_guard lock(m_mutex);
        m_stopping = true;
    }
    m_changed.notify_all();
    m_thread.join();
}

void StatementWatch::begin(int statement, int statements, const SourceLocation& location) {
    {
        std::lock_guard lock(m_mutex);
        m_active = true;
        ++m_generation;
        m_current = {};
        m_current.statement = statement;
        m_current.statements = statements;
        m_current.location = location;
        m_started = std::chrono::steady_clock::now();
    }
    m_changed.notify_all();
}

void StatementWatch::end() {
    {
        // Taken while a report is printed: none comes after this returns.
        std::lock_guard lock(m_mutex);
        m_active = false;
        ++m_generation;
    }
    m_changed.notify_all();
}

void StatementWatch::loop() {
    std::unique_lock lock(m_mutex);
    while (!m_stopping) {
        if (!m_active) {
            m_changed.wait(lock);
            continue;
        }
        unsigned generation = m_generation;
        auto due = m_started + m_every;
        while (!m_stopping && m_generation == generation) {
            if (m_changed.wait_until(lock, due) == std::cv_status::no_timeout) {
                continue; // woken: stopped, ended, or spurious
            }
            if (m_generation != generation || m_stopping) {
                break;
            }
            StatementActivity progress = m_current;
            lock.unlock();
            StatementActivity sampled = sample();
            lock.lock();
            if (m_generation == generation && !m_stopping) {
                sampled.statement = progress.statement;
                sampled.statements = progress.statements;
                sampled.location = progress.location;
                sampled.elapsed_seconds =
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - m_started)
                        .count();
                m_report(sampled);
            }
            due += m_every;
        }
    }
}

StatementActivity StatementWatch::sample() {
    if (m_connection_failed) {
        return {};
    }
    try {
        if (!m_connection) {
            m_connection = m_watched.reopen();
            // Never the reason a migration waits: the watch gives up first.
            m_connection->execute("SET statement_timeout = '2s'");
        }
        auto rows = m_connection->query(k_progress_sql, {std::to_string(m_pid)});
        StatementActivity progress;
        if (rows.empty()) {
            return progress;
        }
        const pg::Row& row = rows.front();
        progress.wait_event_type = value(row, 0);
        progress.wait_event = value(row, 1);
        progress.blockers = value(row, 2);
        progress.command = value(row, 3);
        progress.phase = value(row, 4);
        if (std::string percent = value(row, 5); !percent.empty()) {
            progress.percent_done = std::stod(percent);
        }
        progress.done_of = value(row, 6);
        return progress;
    } catch (const std::exception& error) {
        // A report without the server's view rather than none at all.
        log::debug(std::string("progress: cannot read the statement's state: ") + error.what());
        m_connection.reset();
        m_connection_failed = true;
        return StatementActivity{};
    }
}

} // namespace ecluse
