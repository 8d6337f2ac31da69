\set ON_ERROR_STOP on
\echo starting
ALTER TABLE booking ADD COLUMN amount numeric(10,2);
/* block /* nested */ comment ; */
CREATE INDEX CONCURRENTLY ix ON booking ((lower(note)));
\i other.sql
