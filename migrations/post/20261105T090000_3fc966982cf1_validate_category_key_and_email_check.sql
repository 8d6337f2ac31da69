-- revision: 3fc966982cf1
-- down_revision: 3b7673895d5a
-- depends_on: 26231c8784d5
-- message: validate category key and email check
-- created: 2026-11-05T09:00:00Z
-- transaction: per-migration

-- ecluse:upgrade
-- Safe in post: VALIDATE only reads existing rows, under a lock that lets reads and writes go on.
ALTER TABLE offers VALIDATE CONSTRAINT offers_fk_category_fkey;
ALTER TABLE users VALIDATE CONSTRAINT users_email_lowercase;

-- ecluse:downgrade
-- A constraint cannot be marked NOT VALID again: recreate both as the
-- revisions that added them left them.
ALTER TABLE users DROP CONSTRAINT users_email_lowercase;
ALTER TABLE users ADD CONSTRAINT users_email_lowercase CHECK (email = lower(email)) NOT VALID;
ALTER TABLE offers DROP CONSTRAINT offers_fk_category_fkey;
ALTER TABLE offers
    ADD CONSTRAINT offers_fk_category_fkey FOREIGN KEY (fk_category)
    REFERENCES categories (category_id) NOT VALID;
