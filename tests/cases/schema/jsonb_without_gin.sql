-- JSONB columns searched with containment / key existence: no GIN index, or one whose opclass
-- (jsonb_path_ops) cannot serve the key-existence operator ?.
-- scope: jsonb-without-gin
-- params: {"jsonb-without-gin": {"min_rows": 100}}
-- expect: jsonb-without-gin public.applications.interview_data
-- expect: jsonb-without-gin public.ai_requests.payload
-- expect: jsonb-without-gin Audit.Log Entries.details
-- expect: jsonb-without-gin public.prompts.config
CREATE TABLE applications (id serial PRIMARY KEY, user_id int NOT NULL,
                           interview_data jsonb, plan_data jsonb);
INSERT INTO applications (user_id, interview_data, plan_data)
SELECT g % 50, jsonb_build_object('stage', 'draft', 'score', g % 10),
       jsonb_build_object('steps', g % 3)
FROM generate_series(1, 500) g;
CREATE TABLE ai_requests (id serial PRIMARY KEY, payload jsonb NOT NULL);
INSERT INTO ai_requests (payload)
SELECT jsonb_build_object('model', 'm' || g % 3) FROM generate_series(1, 500) g;
CREATE INDEX ai_requests_payload ON ai_requests USING gin (payload jsonb_path_ops);
CREATE SCHEMA "Audit";
CREATE TABLE "Audit"."Log Entries" (id serial PRIMARY KEY, details jsonb);
INSERT INTO "Audit"."Log Entries" (details)
SELECT jsonb_build_object('tags', jsonb_build_array('t' || g % 4)) FROM generate_series(1, 500) g;
-- a GIN index on the whole column does not serve a search inside it (config -> 'lang')
CREATE TABLE prompts (id serial PRIMARY KEY, config jsonb);
INSERT INTO prompts (config)
SELECT jsonb_build_object('lang', jsonb_build_object('en', g)) FROM generate_series(1, 500) g;
CREATE INDEX prompts_config ON prompts USING gin (config);
ANALYZE;
-- the workload, recorded by pg_stat_statements (constants become $n)
SELECT id FROM applications a WHERE a.interview_data @> '{"stage": "draft"}';
SELECT count(*) FROM applications WHERE '{"score": 3}' <@ interview_data;
SELECT id FROM ai_requests WHERE payload ? 'model';
SELECT id FROM "Audit"."Log Entries" e WHERE e.details -> 'tags' @> '["t1"]';
SELECT id FROM prompts WHERE config -> 'lang' ? 'en';
-- ->> extraction is a btree matter, not GIN: no finding for plan_data
SELECT id FROM applications WHERE plan_data ->> 'steps' = '1';
