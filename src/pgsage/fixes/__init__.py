"""Fixes as data: objects that render themselves as safe SQL and as an Alembic operation.

Modules by what they change: ``index``, ``table``, ``schema``, ``vector``; quoting and the
63-byte name limit live in ``quoting``, once.
"""
