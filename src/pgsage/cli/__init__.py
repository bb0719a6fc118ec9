"""The command-line adapter: Typer parses, a command function runs, a renderer writes."""
