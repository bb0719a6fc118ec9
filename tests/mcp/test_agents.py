"""`pgsage agents init`: the two agents in the seeds' format, and the client configuration."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from pgsage.cli.main import app
from pgsage.errors import UsageError
from pgsage.mcp.server import build_server
from pgsage.mcp.tools import ServerConfig

runner = CliRunner()


def front_matter(text: str) -> dict[str, str]:
    assert text.startswith("---\n")
    head, _, _ = text[4:].partition("\n---\n")
    pairs = [line.partition(": ") for line in head.splitlines()]
    assert all(sep and key.isidentifier() for key, sep, _ in pairs), head
    return {key: value for key, _, value in pairs}


def test_init_writes_two_agents_in_the_seeds_format(tmp_path: Path) -> None:
    folder = tmp_path / ".claude" / "agents"
    result = runner.invoke(app, ["agents", "init", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in folder.iterdir())
    assert files == ["database-manager.md", "database-optimizer.md"]
    tool_names = {"audit", "explain", "advise_indexes", "top_queries", "lint_migration"}
    server_tools = set(build_server(ServerConfig())._tool_manager._tools)
    for path in folder.iterdir():
        text = path.read_text()
        meta = front_matter(text)
        assert set(meta) == {"name", "description", "model", "color"}
        assert meta["name"] == path.stem
        assert "audit → evidence → fix → verify" in text
        mentioned = {name for name in server_tools if f"`{name}`" in text}
        assert tool_names <= mentioned, path.name
    assert "docs/db/" in (folder / "database-optimizer.md").read_text()
    again = runner.invoke(app, ["agents", "init", "--dir", str(folder)])
    assert isinstance(again.exception, UsageError) and "--force" in str(again.exception)
    assert runner.invoke(app, ["agents", "init", "--dir", str(folder), "--force"]).exit_code == 0


def test_mcp_config_block() -> None:
    result = runner.invoke(app, ["agents", "init", "--mcp-config"])
    assert result.exit_code == 0
    block = json.loads(result.output)
    assert block["mcpServers"]["pgsage"]["args"] == ["mcp"]
    assert "DATABASE_URL" in block["mcpServers"]["pgsage"]["env"]


def test_tools_document_when_to_use_them() -> None:
    server = build_server(ServerConfig())
    for tool in server._tool_manager.list_tools():
        assert "use it" in (tool.description or "").lower(), tool.name
