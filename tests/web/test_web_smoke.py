"""The pages answer with real data for a logged-in user."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_helpers import ADMIN, basic, login


def test_pages_and_json(client: TestClient) -> None:
    login(client, ADMIN)
    for path in (
        "/t/main/",
        "/t/main/indexes",
        "/t/main/queries",
        "/t/main/space",
        "/t/main/maintenance",
        "/t/main/activity",
        "/t/main/settings",
        "/t/main/findings",
    ):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:2000])
    overview = client.get("/api/v1/targets/main/overview", headers=basic(ADMIN)).json()
    assert overview["max_connections"] > 0
    indexes = client.get("/api/v1/targets/main/indexes", headers=basic(ADMIN)).json()
    checks = {f["check"] for f in indexes["findings"]}
    assert "duplicate-index" in checks, checks
