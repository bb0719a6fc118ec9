"""fk-without-index on tiny tables (Northwind: 7 of its 13 findings were lookup tables of 0 to 77
rows): not reported, unless the workload deletes from the referenced table or joins the two
often. Northwind's products(category_id) → categories, reproduced from northwind.sql."""

from __future__ import annotations

import psycopg

from pgharness import TestDatabase
from pgsage.commands import audit as audit_commands
from pgsage.model import Finding, Severity
from pgsage.settings import Settings

SCHEMA = """
CREATE TABLE categories (category_id smallint PRIMARY KEY, category_name varchar(15) NOT NULL);
CREATE TABLE products (product_id smallint PRIMARY KEY, product_name varchar(40) NOT NULL,
                       category_id smallint REFERENCES categories);
INSERT INTO categories SELECT g, 'category ' || g FROM generate_series(1, 8) g;
INSERT INTO products SELECT g, 'product ' || g, 1 + g % 8 FROM generate_series(1, 77) g;
ANALYZE;
"""


def audit(db: TestDatabase, **params: object) -> list[Finding]:
    settings = Settings(
        dsn=db.dsn, select=["fk-without-index"], checks={"fk-without-index": dict(params)}
    )
    return list(audit_commands.audit(settings).findings)


def test_tiny_table_quiet_unless_hot(db: TestDatabase) -> None:
    db.execute(SCHEMA)
    db.reset_stats()
    assert audit(db) == []
    # the documented threshold is a setting: with no quiet size, the tiny table is info
    [quiet_off] = audit(db, quiet_pages=0)
    assert quiet_off.severity is Severity.INFO
    with psycopg.connect(db.dsn, autocommit=True) as conn:
        for _ in range(5):
            conn.execute(
                "SELECT p.product_name FROM products p JOIN categories c USING (category_id) "
                "WHERE c.category_name = %s",
                ["category 3"],
            )
            conn.execute("DELETE FROM categories WHERE category_id = %s", [999])
    [hot] = audit(db, hot_calls=5)
    assert hot.severity is Severity.INFO
    assert hot.evidence["hot_statement_calls"] == 10
    assert audit(db, hot_calls=6) == []
