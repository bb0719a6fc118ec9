"""Settings checks: server configuration that hurts performance or observability."""
