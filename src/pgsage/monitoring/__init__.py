"""Alert rules, Grafana dashboard and monitoring plan, generated from one set of definitions."""
