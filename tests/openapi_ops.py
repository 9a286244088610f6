"""The operations of a service's OpenAPI document, read the way a client generator reads them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    """One method and path of a document, with its parameters and JSON body schema."""

    method: str
    path: str
    spec: dict[str, Any]
    doc: dict[str, Any]

    @property
    def path_params(self) -> set[str]:
        return {p["name"] for p in self.spec.get("parameters", []) if p["in"] == "path"}

    @property
    def body_schema(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        return resolve(self.doc, schema) if schema else None

    def example_body(self) -> dict[str, Any] | None:
        """The body example the document gives for this operation, if any."""
        schema = self.body_schema
        if schema is None:
            return None
        examples = schema.get("examples") or []
        return dict(examples[0]) if examples else None

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with a top-level `$ref` followed."""
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def operations(doc: dict[str, Any]) -> Iterator[Operation]:
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield Operation(method, path, item[method], doc)
