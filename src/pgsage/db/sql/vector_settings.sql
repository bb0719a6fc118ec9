-- pgvector's query-time settings as a session in this database starts with them (from
-- postgresql.conf, ALTER SYSTEM, ALTER DATABASE ... SET or ALTER ROLE ... SET for our role).
-- They are placeholders that pg_settings hides until the library is loaded in the session, but
-- current_setting(..., true) sees them; NULL means not set anywhere (pgvector's default applies).
SELECT name, pg_catalog.current_setting(name, true) AS setting
FROM pg_catalog.unnest(ARRAY['ivfflat.probes', 'ivfflat.iterative_scan', 'ivfflat.max_probes',
                  'hnsw.ef_search', 'hnsw.iterative_scan', 'hnsw.max_scan_tuples']) AS name
ORDER BY name
