-- revision: 9c335497c732
-- down_revision: 8d355450ac54
-- message: index bookings by user and offer
-- created: 2026-10-07T16:20:00Z
-- transaction: none

-- ecluse:upgrade
-- Safe in pre: CONCURRENTLY builds the indexes without blocking the writes of the running code.
-- A failed concurrent build leaves an INVALID index that IF NOT EXISTS would
-- keep: drop it (DROP INDEX CONCURRENTLY) before running this revision again.
CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_fk_user_idx ON bookings (fk_user);
CREATE INDEX CONCURRENTLY IF NOT EXISTS bookings_fk_offer_idx ON bookings (fk_offer);

-- ecluse:downgrade
DROP INDEX CONCURRENTLY IF EXISTS bookings_fk_offer_idx;
DROP INDEX CONCURRENTLY IF EXISTS bookings_fk_user_idx;
