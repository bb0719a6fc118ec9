"""Prometheus exporter: one read-only session per scrape, bounded series, a time budget."""
