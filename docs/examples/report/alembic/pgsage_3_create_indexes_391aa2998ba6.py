"""pgsage: Index creations (CONCURRENTLY, after a lock_timeout)

Indexes created (add them to PERF_INDEXES in env.py):
    public.ai_requests_application_id_idx
    public.applications_created_at_idx
    public.bot_logs_telegram_user_id_created_at_idx
    public.documents_upload_date_idx
    public.knowledge_embeddings_document_id_idx
    public.site_visits_page_path_incl_visited_at_idx
    public.site_visits_visited_at_incl_is_admin_page_path_idx
"""

import sqlalchemy as sa
from alembic import op

revision = '391aa2998ba6'
down_revision = '194589d01cd0'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # fixes [fk-without-index] foreign key ai_requests_application_id_fkey on public.ai_requests(application_id) has no index on i…
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '5s';")
        op.create_index('ai_requests_application_id_idx', 'ai_requests', ['application_id'], schema='public', postgresql_concurrently=True, if_not_exists=True)
    # fixes [index-recommendation] a btree index applications_created_at_idx on (created_at) cuts the planner's cost of 1 statement(s)…
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '5s';")
        op.create_index('applications_created_at_idx', 'applications', ['created_at'], schema='public', postgresql_concurrently=True, if_not_exists=True)
    # fixes [index-recommendation] a composite index bot_logs_telegram_user_id_created_at_idx on (telegram_user_id, created_at) cuts t…
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '5s';")
        op.create_index('bot_logs_telegram_user_id_created_at_idx', 'bot_logs', ['telegram_user_id', 'created_at'], schema='public', postgresql_concurrently=True, if_not_exists=True)
    # fixes [index-recommendation] a btree index documents_upload_date_idx on (upload_date) cuts the planner's cost of 1 statement(s) …
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '5s';")
        op.create_index('documents_upload_date_idx', 'documents', ['upload_date'], schema='public', postgresql_concurrently=True, if_not_exists=True)
    # fixes [index-recommendation] a btree index knowledge_embeddings_document_id_idx on (document_id) cuts the planner's cost of 1 st…
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '5s';")
        op.create_index('knowledge_embeddings_document_id_idx', 'knowledge_embeddings', ['document_id'], schema='public', postgresql_concurrently=True, if_not_exists=True)
    # fixes [index-recommendation] a covering index site_visits_page_path_incl_visited_at_idx on (page_path) cuts the planner's cost o…
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '5s';")
        op.create_index('site_visits_page_path_incl_visited_at_idx', 'site_visits', ['page_path'], schema='public', postgresql_concurrently=True, if_not_exists=True, postgresql_include=['visited_at'])
    # fixes [index-recommendation] a covering index site_visits_visited_at_incl_is_admin_page_path_idx on (visited_at) cuts the planne…
    with op.get_context().autocommit_block():
        op.execute("SET lock_timeout = '5s';")
        op.create_index('site_visits_visited_at_incl_is_admin_page_path_idx', 'site_visits', ['visited_at'], schema='public', postgresql_concurrently=True, if_not_exists=True, postgresql_include=['is_admin', 'page_path'])


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index('site_visits_visited_at_incl_is_admin_page_path_idx', schema='public', postgresql_concurrently=True, if_exists=True)
        op.drop_index('site_visits_page_path_incl_visited_at_idx', schema='public', postgresql_concurrently=True, if_exists=True)
        op.drop_index('knowledge_embeddings_document_id_idx', schema='public', postgresql_concurrently=True, if_exists=True)
        op.drop_index('documents_upload_date_idx', schema='public', postgresql_concurrently=True, if_exists=True)
        op.drop_index('bot_logs_telegram_user_id_created_at_idx', schema='public', postgresql_concurrently=True, if_exists=True)
        op.drop_index('applications_created_at_idx', schema='public', postgresql_concurrently=True, if_exists=True)
        op.drop_index('ai_requests_application_id_idx', schema='public', postgresql_concurrently=True, if_exists=True)
