"""`pgsage lint`: static lint of migrations (.sql files and Alembic revisions rendered offline).

Flow: sources (SQL text per file or per revision) → statements (pglast) → rules, one module each
in ``rules/`` → suppressions and selection → optional size grading with a DSN → renderers.
"""
