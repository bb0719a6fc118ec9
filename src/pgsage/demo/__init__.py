"""The demo database: the seed projects' schemas, ~2M rows, a workload and planted problems.

``build_demo`` drops and recreates the demo tables, loads them by COPY, plants the problems
listed in ``PLANTED_PROBLEMS``, analyses, resets pg_stat_statements and runs the workload
(``run_workload``), so that an audit right after it has everything to find.
"""

from pgsage.demo.build import (
    DEMO_TABLES,
    PLANTED_PROBLEMS,
    DemoStats,
    build_demo,
    planted_problems,
)
from pgsage.demo.workload import run_workload

__all__ = [
    "DEMO_TABLES",
    "PLANTED_PROBLEMS",
    "DemoStats",
    "build_demo",
    "planted_problems",
    "run_workload",
]
