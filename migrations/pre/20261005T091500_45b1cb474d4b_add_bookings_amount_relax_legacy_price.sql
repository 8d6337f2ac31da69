-- revision: 45b1cb474d4b
-- down_revision: dbb38f85ea88
-- message: add bookings amount, relax legacy price
-- created: 2026-10-05T09:15:00Z
-- transaction: per-migration

-- ecluse:upgrade
-- Safe in pre: release 1 code ignores a new nullable column, and DROP NOT NULL only relaxes a rule.
-- amount replaces legacy_price: numeric(10,2) holds euros and cents exactly.
ALTER TABLE bookings ADD COLUMN amount numeric(10,2);

-- Release 2 still writes legacy_price too (so that it can be rolled back to
-- release 1), but release 3 will not: the column must accept NULL before then.
ALTER TABLE bookings ALTER COLUMN legacy_price DROP NOT NULL;

-- ecluse:downgrade
ALTER TABLE bookings ALTER COLUMN legacy_price SET NOT NULL;
ALTER TABLE bookings DROP COLUMN amount;
