-- revision: d8cee81c3474
-- down_revision: 26231c8784d5
-- message: index offers by category
-- created: 2026-11-02T13:45:00Z
-- transaction: none

-- ecluse:upgrade
-- Safe in pre: CONCURRENTLY builds the index without blocking the writes of the running code.
CREATE INDEX CONCURRENTLY IF NOT EXISTS offers_fk_category_idx ON offers (fk_category);

-- ecluse:downgrade
DROP INDEX CONCURRENTLY IF EXISTS offers_fk_category_idx;
