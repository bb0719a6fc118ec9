"""Caching checks: buffer cache hit ratios of the database, its tables and its indexes."""
