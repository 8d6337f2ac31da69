-- revision: 26231c8784d5
-- down_revision: 9c335497c732
-- message: add offer categories
-- created: 2026-11-02T09:30:00Z
-- transaction: per-migration

-- ecluse:upgrade
-- Safe in pre: release 2 code ignores the new table and column; NOT VALID keeps the lock brief.
CREATE TABLE categories (
    category_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    CONSTRAINT categories_name_key UNIQUE (name)
);

ALTER TABLE offers ADD COLUMN fk_category bigint;

ALTER TABLE offers
    ADD CONSTRAINT offers_fk_category_fkey FOREIGN KEY (fk_category)
    REFERENCES categories (category_id) NOT VALID;

-- ecluse:downgrade
ALTER TABLE offers DROP CONSTRAINT offers_fk_category_fkey;
ALTER TABLE offers DROP COLUMN fk_category;
DROP TABLE categories;
