-- revision: a1b2c3d4e5f6
-- down_revision: 7e6d5c4b3a21
-- depends_on: 93ab11f0c2de
-- message: add booking amount
-- created: 2026-11-22T14:30:00Z
-- transaction: per-migration

-- ecluse:upgrade
ALTER TABLE booking ADD COLUMN amount numeric(10,2);

-- ecluse:downgrade
ALTER TABLE booking DROP COLUMN amount;
