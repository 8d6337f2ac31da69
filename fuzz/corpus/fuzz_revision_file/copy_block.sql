-- revision: 5f4e3d2c1b0a
-- down_revision: a1b2c3d4e5f6
-- depends-on: 0c9d8e7f6a5b, 93ab11f0c2de
-- message: seed currencies

-- ecluse:upgrade
CREATE TABLE currency (code text PRIMARY KEY, name text NOT NULL);
COPY currency (code, name) FROM stdin;
EUR	Euro
USD	US dollar
\N	\\.
\.
\echo loaded

-- ecluse:downgrade
DROP TABLE currency;
