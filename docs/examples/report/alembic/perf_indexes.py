"""pgsage: the performance indexes created outside the models (seed 003, option B).

In alembic/env.py:

    from perf_indexes import PERF_INDEXES, include_object
    context.configure(..., include_object=include_object)

so that `alembic revision --autogenerate` neither drops nor re-adds them.
"""

PERF_INDEXES = {
    'ai_requests_application_id_idx',
    'applications_created_at_idx',
    'bot_logs_telegram_user_id_created_at_idx',
    'documents_upload_date_idx',
    'knowledge_embeddings_document_id_idx',
    'site_visits_page_path_incl_visited_at_idx',
    'site_visits_visited_at_incl_is_admin_page_path_idx',
}


def include_object(obj, name, type_, reflected, compare_to):  # noqa: ANN001, ANN201
    if type_ == "index" and name in PERF_INDEXES:
        return False
    return True
