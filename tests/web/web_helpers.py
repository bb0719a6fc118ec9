"""Constants and helpers shared by the web tests."""

from __future__ import annotations

import base64
import re

from fastapi.testclient import TestClient

ADMIN = ("ada", "admin-password-1")
VIEWER = ("vic", "viewer-password-1")
TOKEN = "registration-token-for-tests"

TARGET_SQL = """
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, created_at timestamptz);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES customers,
                     total numeric, note text);
INSERT INTO customers SELECT g, 'c' || g || '@example.com', now() FROM generate_series(1, 2000) g;
INSERT INTO orders SELECT g, 1 + g % 2000, g % 100, 'n' FROM generate_series(1, 5000) g;
CREATE INDEX customers_email_a ON customers (email);
CREATE INDEX customers_email_b ON customers (email);
DELETE FROM orders WHERE id % 3 = 0;
ANALYZE;
SELECT count(*) FROM orders WHERE customer_id = 7;
SELECT count(*) FROM orders WHERE customer_id = 8;
"""


def basic(user: tuple[str, str]) -> dict[str, str]:
    raw = base64.b64encode(f"{user[0]}:{user[1]}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def login(client: TestClient, user: tuple[str, str]) -> str:
    """Log the client in through the form; returns the session's CSRF token."""
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"username": user[0], "password": user[1], "csrf_token": token.group(1), "next": "/"},
    )
    assert response.status_code == 303, response.text
    page = client.get("/t/main/findings")
    assert page.status_code == 200, page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    return csrf.group(1)
