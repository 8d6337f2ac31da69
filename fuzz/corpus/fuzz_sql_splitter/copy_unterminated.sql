CREATE TABLE "weird;name" (x int CHECK (x > 0));
COPY t FROM stdin;
no terminator
