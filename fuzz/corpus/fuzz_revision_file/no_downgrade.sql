-- revision: abcdefabcdef
-- down_revision: 0c9d8e7f6a5b
-- message:   spaces around  

-- ecluse:upgrade
/* a /* nested */ comment */
VACUUM (ANALYZE) booking;
\set ON_ERROR_STOP on
