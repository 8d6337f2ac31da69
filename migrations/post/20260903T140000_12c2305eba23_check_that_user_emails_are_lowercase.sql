-- revision: 12c2305eba23
-- down_revision: none
-- depends_on: ebb4d23eaaa5
-- message: check that user emails are lowercase
-- created: 2026-09-03T14:00:00Z
-- transaction: per-migration

-- ecluse:upgrade
-- Safe in post: the launch code, now the only writer, lowercases e-mails; NOT VALID scans nothing.
-- users_email_key only makes addresses unique if they are lowercase; release 3
-- validates the check once every row has been written by code that knows it.
ALTER TABLE users ADD CONSTRAINT users_email_lowercase CHECK (email = lower(email)) NOT VALID;

-- ecluse:downgrade
ALTER TABLE users DROP CONSTRAINT users_email_lowercase;
