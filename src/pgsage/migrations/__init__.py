"""Alembic projects on throwaway servers: the revision graph, round-trips, drift, locks, squash.

Modules: ``project`` (finding an Alembic project and its models), ``graph`` (heads, gaps, missing
downgrades), ``scratch`` (throwaway databases), ``runner`` (running one revision on a connection,
without the project's env.py), ``catalog`` (a schema dump of our own and its diff),
``roundtrip``, ``drift``, ``trace`` and ``squash``, ``findings`` (their problems as
``pgsage.model.Finding``). The commands over them are ``pgsage.commands.migrations``; the Typer
adapter is ``pgsage.cli.migrations``.
"""
