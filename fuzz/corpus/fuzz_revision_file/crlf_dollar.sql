-- revision: 111122223333
-- down_revision: none
-- message: crlf and dollar quotes

-- a comment before the sections
-- ecluse:upgrade
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
BEGIN
  RETURN 1; -- not the end
END
$body$;
DO $$ BEGIN PERFORM 1; END $$;
SELECT E'\'; ', '''', "a;b" FROM (SELECT 1) t;
