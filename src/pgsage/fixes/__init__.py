"""Fixes as data: objects that render themselves as safe SQL (``to_sql``) and as the body of an
Alembic ``upgrade()`` (``to_alembic``).

Modules by what they change: ``index``, ``table``, ``schema``, ``vector`` (objects in the
database), ``settings`` (ALTER SYSTEM / DATABASE / ROLE ... SET), ``roles``, ``server``
(sessions, replication slots, extensions); ``steps`` composes fixes (several steps, a remark, a
step shown commented out). Quoting, literals and the 63-byte name limit live in ``quoting``,
once; ``text.SqlText`` is for lint rules whose fix is only known as text.
"""
