"""Database access: connections, server capabilities, local servers and catalog snapshots."""
