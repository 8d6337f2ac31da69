\restrict k
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
COPY ecluse.applied_revision (revision) FROM stdin;
aaaa00000001
\.
COPY public.users (user_id, name) FROM stdin;
1	ada
\.
SELECT pg_catalog.setval('public.users_user_id_seq', 1, true);
\unrestrict k
