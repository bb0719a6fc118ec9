-- Embeddings kept in float8[] on a database without pgvector: the vector checks skip (their
-- real cases need pgvector, which only the PostgreSQL 18 server has: tests/checks/test_vector.py).
-- expect-nothing
CREATE TABLE documents (id serial PRIMARY KEY, body text, embedding float8[]);
INSERT INTO documents (body, embedding) SELECT 'd' || g, ARRAY[random(), random(), random()]
FROM generate_series(1, 100) g;
