"""The tools' output schemas as published: inline, and equivalent to pydantic's."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]  # the SDK's; no stubs
from pydantic import BaseModel

from pgsage.mcp.schemas import plain_schema
from pgsage.mcp.tools import AuditOut, DescribeTableOut, ExplainOut, TopQueriesOut


class Leaf(BaseModel):
    name: str
    size: int | None
    extra: dict[str, Any] | None = None
    counts: dict[str, int] | None = None


class Tree(BaseModel):
    label: str
    leaves: list[Leaf]
    children: list[Tree] = []


class Holder(BaseModel):
    first: Leaf
    others: list[Leaf]
    note: str | None = None


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema()


def test_references_are_inlined_and_nullable_scalars_become_type_lists() -> None:
    plain = plain_schema(schema_of(Holder))
    assert "$defs" not in plain and "$ref" not in str(plain)
    leaf = plain["properties"]["first"]
    assert leaf["properties"]["size"]["type"] == ["integer", "null"]
    assert leaf["properties"]["extra"]["type"] == ["object", "null"]
    # a dict with typed values keeps its anyOf: its value type is a constraint of its own
    assert "anyOf" in leaf["properties"]["counts"]
    assert plain["properties"]["note"]["type"] == ["string", "null"]


def test_a_model_that_contains_itself_keeps_its_references() -> None:
    schema = schema_of(Tree)
    assert plain_schema(schema) is schema


@pytest.mark.parametrize(
    "document",
    [
        {"first": {"name": "a", "size": 1}, "others": []},
        {"first": {"name": "a", "size": None, "extra": None}, "others": [], "note": None},
        {
            "first": {"name": "a", "size": 1, "counts": {"x": 2}},
            "others": [{"name": "b", "size": 2}],
        },
        # refused by both
        {"first": {"name": "a", "size": "1"}, "others": []},
        {"first": {"name": "a", "size": 1, "counts": {"x": "y"}}, "others": []},
        {"first": {"name": "a"}, "others": []},
        {"first": {"name": "a", "size": 1}, "others": [{"name": 3, "size": 1}]},
        {"first": {"name": "a", "size": 1}, "others": [], "note": 5},
        {"first": {"name": "a", "size": 1, "extra": []}, "others": []},
    ],
)
def test_plain_schemas_accept_and_refuse_what_pydantics_do(document: dict[str, Any]) -> None:
    original = Draft202012Validator(schema_of(Holder))
    plain = Draft202012Validator(plain_schema(schema_of(Holder)))
    assert original.is_valid(document) == plain.is_valid(document)


@pytest.mark.parametrize("model", [AuditOut, DescribeTableOut, ExplainOut, TopQueriesOut])
def test_the_tools_models_are_written_without_references(model: type[BaseModel]) -> None:
    plain = plain_schema(schema_of(model))
    assert "$ref" not in str(plain)
    Draft202012Validator.check_schema(plain)
