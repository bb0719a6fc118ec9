-- Seed 000: site_visits(visit_date) next to site_visits(visit_date, page_path).
-- expect: redundant-index public.idx_site_visits_visit_date on public.site_visits
-- expect: redundant-index public.users_lower_email on public.users
-- (name DESC) is served by (name, tenant) scanned backwards.
-- expect: redundant-index public.users_name_desc on public.users
CREATE TABLE site_visits (id bigserial PRIMARY KEY, visit_date timestamptz NOT NULL,
                          page_path text NOT NULL, is_admin boolean NOT NULL DEFAULT false,
                          user_agent text, referrer text);
CREATE INDEX idx_site_visits_visit_date ON site_visits (visit_date);
CREATE INDEX idx_site_visits_date_path ON site_visits (visit_date, page_path);
CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, name text, tenant int);
CREATE INDEX users_lower_email ON users (lower(email));
CREATE INDEX users_lower_email_id ON users (lower(email), id);
-- Not redundant: a unique prefix enforces a rule; a different predicate; INCLUDE columns the
-- longer index lacks; a non-leading match; a mixed sort order that no scan direction gives.
CREATE UNIQUE INDEX users_tenant_key ON users (tenant);
CREATE INDEX users_tenant_name ON users (tenant, name);
CREATE INDEX site_visits_path_nonadmin ON site_visits (page_path) WHERE NOT is_admin;
CREATE INDEX site_visits_path_referrer ON site_visits (page_path, referrer);
CREATE INDEX site_visits_agent_incl ON site_visits (user_agent) INCLUDE (referrer);
CREATE INDEX site_visits_agent_date ON site_visits (user_agent, visit_date);
CREATE INDEX site_visits_referrer ON site_visits (referrer);
CREATE INDEX site_visits_date_referrer ON site_visits (visit_date DESC, referrer);
CREATE INDEX users_name_desc ON users (name DESC);
CREATE INDEX users_name_tenant ON users (name, tenant);
CREATE INDEX users_email_desc_name ON users (email DESC, name);
CREATE INDEX users_email_name_tenant ON users (email, name, tenant);
