"""Index checks: invalid, duplicate, redundant, unused and missing (foreign keys)."""
