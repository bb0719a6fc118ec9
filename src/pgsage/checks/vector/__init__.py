"""pgvector checks: ANN indexes, their build options and the query-time settings."""
