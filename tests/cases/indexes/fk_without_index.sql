-- Foreign keys with and without a supporting index on the referencing side.
-- params: {"fk-without-index": {"quiet_pages": 0}}
-- expect: fk-without-index public.dialog_messages_dialog_id_fkey on public.dialog_messages
-- expect: fk-without-index public.documents_owner_fkey on public.documents
-- expect: fk-without-index public.ai_requests_application_id_fkey on public.ai_requests
CREATE TABLE dialogs (id bigserial PRIMARY KEY, user_id bigint NOT NULL);
CREATE TABLE dialog_messages (id bigserial PRIMARY KEY,
                              dialog_id bigint NOT NULL REFERENCES dialogs (id),
                              sent_at timestamptz NOT NULL);
CREATE INDEX dialog_messages_sent_dialog ON dialog_messages (sent_at, dialog_id);
-- Multi-column: an index on (tenant, id, x) supports FK (id, tenant) — any order, leading.
CREATE TABLE accounts (tenant int, id int, PRIMARY KEY (tenant, id));
CREATE TABLE documents (id serial PRIMARY KEY, tenant int, owner int, status text,
                        CONSTRAINT documents_owner_fkey FOREIGN KEY (tenant, owner)
                            REFERENCES accounts (tenant, id));
CREATE INDEX documents_owner_partial ON documents (tenant, owner) WHERE status = 'active';
CREATE TABLE members (tenant int, account int, note text,
                      CONSTRAINT members_account_fkey FOREIGN KEY (account, tenant)
                          REFERENCES accounts (id, tenant));
CREATE INDEX members_tenant_account_note ON members (tenant, account, note);
CREATE TABLE applications (id serial PRIMARY KEY);
CREATE TABLE ai_requests (id serial PRIMARY KEY,
                          application_id int REFERENCES applications (id));
CREATE TABLE ai_feedback (id serial PRIMARY KEY,
                          request_id int REFERENCES ai_requests (id));
CREATE INDEX ai_feedback_request ON ai_feedback (request_id);
