-- A schema that keeps its secrets hashed or encrypted, on a server with no extra superuser,
-- SCRAM passwords, PUBLIC unable to create (PostgreSQL 15+ default) and a localhost listener.
-- scope: security
-- expect-nothing
CREATE TABLE users (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    username varchar(100) NOT NULL UNIQUE,
                    password_hash text NOT NULL,
                    password_changed_at timestamptz,
                    password_hint_shown boolean NOT NULL DEFAULT false,
                    registration_token_hash bytea);
CREATE TABLE api_clients (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                          name text NOT NULL,
                          api_key_id bigint,
                          api_key_prefix varchar(8),
                          "apiKeyDigest" text,
                          hashed_secret text,
                          client_secret_encrypted text,
                          private_key bytea);
CREATE TABLE oauth_tokens (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                           token_type varchar(20) NOT NULL,
                           token_expires_at timestamptz,
                           access_token_sha256 bytea);
CREATE TABLE ai_requests (id serial PRIMARY KEY, prompt text, response text,
                          tokens_used integer);
CREATE TABLE secure_settings (id serial PRIMARY KEY, category varchar(50) NOT NULL,
                              key varchar(100) NOT NULL, value bytea NOT NULL,
                              UNIQUE (category, key));
CREATE SCHEMA app;
GRANT USAGE ON SCHEMA app TO PUBLIC;
