-- An index of a few MB counts as large here (min_index_bytes lowered) while
-- maintenance_work_mem is the 64MB default.
-- scope: maintenance-work-mem-low
-- params: {"maintenance-work-mem-low": {"min_index_bytes": 1048576}}
-- expect: maintenance-work-mem-low maintenance_work_mem
DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET maintenance_work_mem = ''64MB''', current_database()); END $$;
CREATE TABLE visits (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, path text NOT NULL);
INSERT INTO visits (path) SELECT '/page/' || g FROM generate_series(1, 100000) g;
CREATE INDEX visits_path ON visits (path);
