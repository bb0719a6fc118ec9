"""``pgsage web``: the dashboard and HTTP API, an adapter over the command functions.

``config`` holds what the process is told, ``store`` the store database (users, sessions,
rate limits, recorded actions, history), ``auth`` the credentials and CSRF, ``targets`` the
cached snapshot and report of each monitored database, ``views`` what each page shows,
``charts`` the server-drawn SVG charts, ``app`` the FastAPI application, ``scheduler`` the
in-process collector.
"""
