SET client_encoding = 'UTF8';
COPY public.booking (id, amount, note) FROM stdin;
1	10.50	first
2	\N	tab\there
\.
SELECT pg_catalog.setval('public.booking_id_seq', 2, true);
