-- revision: 3b7673895d5a
-- down_revision: f5e53a6966d3
-- message: drop bookings legacy price
-- created: 2026-11-04T15:30:00Z
-- transaction: per-migration

-- ecluse:upgrade
-- Safe in post: release 3 code never uses legacy_price, and the code that did is gone.
ALTER TABLE bookings DROP COLUMN legacy_price;

-- ecluse:downgrade
-- The column comes back filled from amount, so that the downgrade of the
-- pre revision that relaxed it can make it NOT NULL again.
ALTER TABLE bookings ADD COLUMN legacy_price double precision;
UPDATE bookings SET legacy_price = amount::double precision;
