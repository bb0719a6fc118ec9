"""``pgsage plan``: the migration plan and the monitoring plan from code, before there is
production data (seed 000): the SQLAlchemy models and the statements the code runs."""
