"""``pgsage agents init``: write the database agents (Claude Code subagent format) that drive
the pgsage MCP server, or print the client configuration block that registers it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

agents_app = typer.Typer(
    no_args_is_help=True, help="Agent definitions that use the pgsage MCP tools."
)


def register(app: typer.Typer) -> None:
    app.add_typer(agents_app, name="agents")


@agents_app.command("init")
def init_command(
    directory: Annotated[Path, typer.Option("--dir", help="Where the agent files go.")] = Path(
        ".claude/agents"
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
    mcp_config: Annotated[
        bool,
        typer.Option(
            "--mcp-config",
            help="Print the MCP client configuration block (.mcp.json) instead.",
        ),
    ] = False,
) -> None:
    """Write the database-optimizer and database-manager agents (audit → evidence → fix →
    verify with the pgsage tools)."""
    from pgsage.mcp.agents import mcp_config as config_block
    from pgsage.mcp.agents import write_agents

    if mcp_config:
        sys.stdout.write(config_block())
        return
    for path in write_agents(directory, force):
        typer.echo(f"wrote {path}")
    typer.echo("register the server with: pgsage agents init --mcp-config  (into .mcp.json)")
