-- revision: 8d355450ac54
-- down_revision: 45b1cb474d4b
-- message: backfill bookings amount
-- created: 2026-10-05T11:40:00Z
-- transaction: per-migration

-- ecluse:upgrade
-- Safe in pre: it only fills the new column, which release 1 code neither reads nor writes.
-- One statement is enough at this size; a large table would be updated in
-- batches of a few thousand rows to keep each transaction short.
UPDATE bookings
SET amount = round(legacy_price::numeric, 2)
WHERE amount IS NULL
  AND legacy_price IS NOT NULL;

-- ecluse:downgrade
-- Nothing to undo: the values live in bookings.amount, and the downgrade of
-- the previous revision (add bookings amount) drops that column.
