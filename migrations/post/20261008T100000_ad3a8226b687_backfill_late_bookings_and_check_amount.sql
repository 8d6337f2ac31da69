-- revision: ad3a8226b687
-- down_revision: 12c2305eba23
-- depends_on: 8d355450ac54
-- message: backfill late bookings and check amount
-- created: 2026-10-08T10:00:00Z
-- transaction: per-migration

-- ecluse:upgrade
-- Safe in post: release 2 code always writes amount, and NOT VALID leaves existing rows unchecked.
-- Release 1 code kept inserting bookings without an amount between the
-- backfill in pre and the deploy: fill those rows too.
UPDATE bookings
SET amount = round(legacy_price::numeric, 2)
WHERE amount IS NULL
  AND legacy_price IS NOT NULL;

-- The first step of a lock-free SET NOT NULL: release 3 validates the check,
-- then SET NOT NULL uses it instead of scanning the table under an exclusive lock.
ALTER TABLE bookings ADD CONSTRAINT bookings_amount_not_null CHECK (amount IS NOT NULL) NOT VALID;

-- ecluse:downgrade
-- The amounts filled by the upgrade stay: they are correct, and the column
-- itself goes away with the pre revision that added it.
ALTER TABLE bookings DROP CONSTRAINT bookings_amount_not_null;
