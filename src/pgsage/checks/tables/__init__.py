"""Table checks: primary keys, vacuum and analyze health, bloat, wraparound, scans, width."""
