-- Secrets kept as readable text; their hashed, encrypted and descriptive neighbours are not
-- reported, nor secret-sounding columns of non-text types.
-- expect: plaintext-secret-columns public.users.password on public.users
-- expect: plaintext-secret-columns public.api_clients.apiKey on public.api_clients
-- expect: plaintext-secret-columns public.integrations.access_token on public.integrations
-- expect: plaintext-secret-columns public.integrations.client_secret on public.integrations
-- expect: plaintext-secret-columns public.integrations.PRIVATE_KEY on public.integrations
-- expect: plaintext-secret-columns public.password_resets.password_reset_token on public.password_resets
-- expect: plaintext-secret-columns public.secure_settings.value on public.secure_settings
CREATE TABLE users (id serial PRIMARY KEY, email text, password varchar(255),
                    password_hash text, hashed_password text, password_changed_at timestamptz);
INSERT INTO users (email, password) SELECT 'u' || g || '@example.com', 'hunter' || g
FROM generate_series(1, 20) g;
CREATE TABLE api_clients (id serial PRIMARY KEY, "apiKey" varchar(64), api_key_id integer,
                          "apiKeyHash" text);
CREATE TABLE integrations (id serial PRIMARY KEY, access_token text, client_secret varchar,
                           "PRIVATE_KEY" text, token_type varchar(20), refresh_token bytea,
                           client_secret_encrypted text);
CREATE TABLE password_resets (id serial PRIMARY KEY, password_reset_token char(32),
                              expires_at timestamptz);
CREATE TABLE ai_requests (id serial PRIMARY KEY, tokens_used integer, token_count integer);
-- the seeds' secure_settings table: secrets under generic category/key/value columns
CREATE TABLE secure_settings (id serial PRIMARY KEY, category varchar(50), key varchar(100),
                              value text, UNIQUE (category, key));
CREATE TABLE site_settings (id serial PRIMARY KEY, key text, value text);
