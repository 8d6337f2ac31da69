-- ecluse:snapshot
-- pre: a1b2c3d4e5f6
-- post: none
-- created: 2026-11-22T14:30:00Z
-- replaces: pre a1b2c3d4e5f6 none - e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 create booking
-- ecluse:schema
\restrict abc
SET statement_timeout = 0;
CREATE TABLE public.booking (id integer);
COPY public.booking (id) FROM stdin;
1
\.
\unrestrict abc
