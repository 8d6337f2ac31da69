-- revision: f5e53a6966d3
-- down_revision: ad3a8226b687
-- message: make bookings amount not null
-- created: 2026-11-04T10:10:00Z
-- transaction: per-migration

-- ecluse:upgrade
-- Safe in post: only code that always writes amount has run since the check was added.
-- VALIDATE scans under a lock that lets reads and writes go on; SET NOT NULL
-- then trusts the validated check instead of scanning again under an
-- exclusive lock, and the check is redundant afterwards.
ALTER TABLE bookings VALIDATE CONSTRAINT bookings_amount_not_null;
ALTER TABLE bookings ALTER COLUMN amount SET NOT NULL;
ALTER TABLE bookings DROP CONSTRAINT bookings_amount_not_null;

-- ecluse:downgrade
ALTER TABLE bookings ADD CONSTRAINT bookings_amount_not_null CHECK (amount IS NOT NULL) NOT VALID;
ALTER TABLE bookings ALTER COLUMN amount DROP NOT NULL;
