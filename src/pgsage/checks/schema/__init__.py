"""Schema-pattern checks: the schema measured against how the workload uses it."""
