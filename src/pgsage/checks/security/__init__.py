"""Security checks: roles, passwords, authentication, privileges and secrets in columns."""
