"""Activity checks: connections, idle and long transactions, long queries and lock waits."""
