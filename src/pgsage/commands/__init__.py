"""The public command functions: adapters (CLI, web, MCP, reports) call these and render what
they return. Nothing here prints, exits or reads the environment beyond the Settings it is given.

One module per command family: ``audit`` (audit, snapshot), ``server``, ``demo``, ``baseline``,
``migrations`` (check, trace, squash).
"""
