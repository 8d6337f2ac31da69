-- revision: 0c9d8e7f6a5b
-- down_revision: none
-- message: index booking by user
-- created: 2026-11-22T15:02:10Z
-- transaction: none
-- lock_timeout: 10s
-- statement_timeout: 2min

-- ecluse:upgrade
CREATE INDEX CONCURRENTLY IF NOT EXISTS ix_booking_user ON booking (user_id); -- ecluse:ignore locking-index reason
-- ecluse:downgrade
DROP INDEX CONCURRENTLY IF EXISTS ix_booking_user;
