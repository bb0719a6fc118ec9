"""pgsage — PostgreSQL performance and operations toolkit for Python backends."""

__version__ = "0.1.0"
