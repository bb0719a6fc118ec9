-- After the load: sequences past the loaded ids, foreign keys, and the indexes the
-- application's queries need. Everything here is healthy; the mistakes are in problems.sql.

SELECT setval(pg_get_serial_sequence('users', 'id'), max(id)) FROM users;
SELECT setval(pg_get_serial_sequence('prompts', 'id'), max(id)) FROM prompts;
SELECT setval(pg_get_serial_sequence('applications', 'id'), max(id)) FROM applications;
SELECT setval(pg_get_serial_sequence('ai_requests', 'id'), max(id)) FROM ai_requests;
SELECT setval(pg_get_serial_sequence('site_visits', 'id'), max(id)) FROM site_visits;
SELECT setval(pg_get_serial_sequence('bot_logs', 'id'), max(id)) FROM bot_logs;
SELECT setval(pg_get_serial_sequence('dialogs', 'id'), max(id)) FROM dialogs;
SELECT setval(pg_get_serial_sequence('dialog_messages', 'id'), max(id)) FROM dialog_messages;
SELECT setval(pg_get_serial_sequence('documents', 'id'), max(id)) FROM documents;
SELECT setval(pg_get_serial_sequence('knowledge_embeddings', 'id'), max(id))
  FROM knowledge_embeddings;
SELECT setval(pg_get_serial_sequence('news', 'id'), max(id)) FROM news;
SELECT setval(pg_get_serial_sequence('portfolio', 'id'), max(id)) FROM portfolio;
SELECT setval(pg_get_serial_sequence('services', 'id'), max(id)) FROM services;
SELECT setval(pg_get_serial_sequence('secure_settings', 'id'), max(id)) FROM secure_settings;

-- Foreign keys (added after the load: one validating join each instead of a trigger per row).
ALTER TABLE applications ADD CONSTRAINT applications_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE ai_requests ADD CONSTRAINT ai_requests_application_id_fkey
    FOREIGN KEY (application_id) REFERENCES applications (id) ON DELETE CASCADE;
ALTER TABLE dialogs ADD CONSTRAINT dialogs_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE dialog_messages ADD CONSTRAINT dialog_messages_dialog_id_fkey
    FOREIGN KEY (dialog_id) REFERENCES dialogs (id) ON DELETE CASCADE;
ALTER TABLE documents ADD CONSTRAINT documents_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE knowledge_embeddings ADD CONSTRAINT knowledge_embeddings_document_id_fkey
    FOREIGN KEY (document_id) REFERENCES documents (id) ON DELETE CASCADE;
ALTER TABLE knowledge_embeddings ADD CONSTRAINT knowledge_embeddings_user_id_fkey
    FOREIGN KEY (user_id) REFERENCES users (id);

-- users: look-ups by lower(email) (case-insensitive login).
CREATE INDEX ix_users_email ON users (lower(email));
-- prompts: the active prompt of an agent.
CREATE INDEX idx_prompts_active ON prompts (agent_type, is_active);
-- applications: a user's applications by stage.
CREATE INDEX idx_applications_user ON applications (user_id, stage);
-- ai_requests: monthly statistics and the 90-day retention clean-up.
CREATE INDEX idx_ai_requests_created_at ON ai_requests (created_at);
-- site_visits: analytics by day (the hot, non-admin part) and page look-ups.
CREATE INDEX idx_site_visits_visit_date_page_path ON site_visits (visit_date, page_path);
CREATE INDEX idx_site_visits_page_path ON site_visits (page_path);
CREATE INDEX idx_site_visits_non_admin ON site_visits (visit_date) WHERE is_admin = false;
-- bot_logs: recent events (the model's index=True) and recent blocked events.
CREATE INDEX ix_bot_logs_created_at ON bot_logs (created_at);
CREATE INDEX idx_bot_logs_blocked ON bot_logs (created_at DESC) WHERE is_blocked;
-- daily_stats: ranges of days.
CREATE INDEX idx_daily_stats_stat_date ON daily_stats (stat_date);
-- dialogs: a user's dialogs, newest first; the operators' hand-off queue.
CREATE INDEX idx_dialogs_user_started ON dialogs (user_id, started_at DESC);
CREATE INDEX idx_dialogs_handoff_status ON dialogs (handoff_status, updated_at)
    WHERE handoff_status IS NOT NULL;
-- dialog_messages: a dialog's messages in order.
CREATE INDEX idx_dialog_messages_dialog_timestamp ON dialog_messages (dialog_id, "timestamp");
-- documents: a user's uploads; duplicate-upload detection by content hash.
CREATE INDEX idx_documents_user_upload ON documents (user_id, upload_date DESC);
CREATE INDEX idx_documents_hash ON documents (doc_hash);
-- knowledge_embeddings: a user's chunks per document.
CREATE INDEX idx_knowledge_embeddings_user_doc ON knowledge_embeddings (user_id, document_id);
-- news: the admin list, the public feed.
CREATE INDEX idx_news_published_date ON news (published_date DESC);
CREATE INDEX idx_news_is_active ON news (published_date DESC) WHERE is_active;
-- portfolio: the public gallery in display order.
CREATE INDEX idx_portfolio_active_order ON portfolio (display_order) WHERE is_active;
-- services and settings: admin filters.
CREATE INDEX idx_services_category ON services (category);
CREATE INDEX idx_secure_settings_key ON secure_settings (key);
