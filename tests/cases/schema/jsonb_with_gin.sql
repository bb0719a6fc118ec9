-- Healthy: every JSONB search has a GIN index with a fitting opclass (on the column, or on the
-- expression searched); small tables are not worth an index.
-- scope: jsonb-without-gin
-- params: {"jsonb-without-gin": {"min_rows": 100}}
-- expect-nothing
CREATE TABLE applications (id serial PRIMARY KEY, interview_data jsonb, audit_data jsonb,
                           meta jsonb);
INSERT INTO applications (interview_data, audit_data, meta)
SELECT jsonb_build_object('stage', 'draft'), jsonb_build_object('k' || g % 5, g),
       jsonb_build_object('tags', jsonb_build_array('t' || g % 4))
FROM generate_series(1, 500) g;
CREATE INDEX applications_interview ON applications USING gin (interview_data jsonb_path_ops);
CREATE INDEX applications_audit ON applications USING gin (audit_data);
CREATE INDEX applications_meta_tags ON applications USING gin ((meta -> 'tags'));
CREATE TABLE prompts (id serial PRIMARY KEY, config jsonb);
INSERT INTO prompts (config) SELECT jsonb_build_object('lang', 'en') FROM generate_series(1, 20);
ANALYZE;
SELECT id FROM applications WHERE interview_data @> '{"stage": "draft"}';
SELECT id FROM applications WHERE audit_data ? 'k1' AND audit_data ?| array['k2', 'k3'];
SELECT id FROM applications WHERE audit_data @> '{"k1": 1}';
SELECT id FROM applications WHERE meta -> 'tags' @> '["t1"]';
SELECT id FROM prompts WHERE config @> '{"lang": "en"}';
