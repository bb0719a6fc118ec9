-- The scraped database's size. pg_database_size stats every file of the database (a third of
-- a second with 10,000 tables), so the collector measures it at most once per size interval.
SELECT pg_catalog.current_database() AS database, pg_catalog.pg_database_size(pg_catalog.current_database())::float8 AS bytes
