-- revision: ebb4d23eaaa5
-- down_revision: none
-- message: create users and venues
-- created: 2026-09-01T09:00:00Z
-- transaction: per-migration

-- ecluse:upgrade
-- Safe in pre: both tables are new, so no running code reads or writes them yet.
CREATE TABLE users (
    user_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email)
);

CREATE TABLE venues (
    venue_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL,
    city text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- ecluse:downgrade
DROP TABLE venues;
DROP TABLE users;
