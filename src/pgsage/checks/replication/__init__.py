"""Replication checks: lagging replicas and inactive slots that retain WAL."""
