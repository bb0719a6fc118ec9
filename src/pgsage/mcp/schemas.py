"""The tools' output schemas in their plainest equivalent form.

pydantic writes a nested model as a ``$ref`` into ``$defs`` and an optional field as
``anyOf: [{type: X}, {type: null}]``. Every MCP client that checks a result against the
tool's output schema (the Python SDK's does, on every call) pays for both on every value:
resolving a reference per list item, and one sub-validation per branch. The same constraints
written inline, with ``type: [X, "null"]``, accept exactly the same documents and take about
half the time to check (an audit's 20 findings: bench/README.md).
"""

from __future__ import annotations

from typing import Any

_DEFS = "#/$defs/"


class _Kept(Exception):
    """A schema that cannot be written without references (a model that contains itself)."""


def plain_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with its references inlined and nullable scalars as type lists; the schema
    itself when that cannot be done (a model that refers to itself, a reference elsewhere)."""
    defs: dict[str, Any] = schema.get("$defs", {})
    try:
        inlined = _inline(schema, defs, ())
    except _Kept:
        return schema
    assert isinstance(inlined, dict)
    inlined.pop("$defs", None)
    return inlined


def _inline(node: Any, defs: dict[str, Any], expanding: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, defs, expanding) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if ref is not None:
        name = ref.removeprefix(_DEFS) if isinstance(ref, str) else ""
        if not name or name == ref or name in expanding or name not in defs:
            raise _Kept(ref)
        target = _inline(defs[name], defs, (*expanding, name))
        siblings = {key: _inline(value, defs, expanding) for key, value in node.items()}
        del siblings["$ref"]
        if set(siblings) & set(target):  # both would apply: not one object
            raise _Kept(ref)
        return {**target, **siblings}
    plain = {key: _inline(value, defs, expanding) for key, value in node.items() if key != "$defs"}
    return _nullable_as_type_list(plain)


def _nullable_as_type_list(node: dict[str, Any]) -> dict[str, Any]:
    """``anyOf: [{type: X, ...}, {type: null}]`` -> ``type: [X, null]`` when X's branch says
    nothing but its type (and, for an object, that any property is allowed)."""
    branches = node.get("anyOf")
    if not isinstance(branches, list) or len(branches) != 2 or {"type": "null"} not in branches:
        return node
    (other,) = [b for b in branches if b != {"type": "null"}]
    if not isinstance(other, dict) or not isinstance(other.get("type"), str):
        return node
    if (
        set(other) - {"type", "additionalProperties"}
        or other.get("additionalProperties", True) is not True
    ):
        return node
    plain = {key: value for key, value in node.items() if key != "anyOf"}
    plain["type"] = [other["type"], "null"]
    return plain
