"""docs/api.md lists every operation of both services, and nothing they do not serve."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from command_service.api.app import create_app as command_app
from command_service.settings import Settings as CommandSettings
from query_service.app import create_app as query_app
from query_service.settings import Settings as QuerySettings
from tools import api_docs

LISTED = re.compile(r"^\| `([A-Z]+) (\S+)` \|", re.MULTILINE)


def _routes(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path, also inside included routers (FastAPI ≥ 0.16x
    keeps those nested instead of copying their routes into the app)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _routes(included.routes, prefix + route.include_context.prefix)  # type: ignore[attr-defined]


def _served() -> set[tuple[str, str]]:
    """(METHOD, path) of every documented route of both apps, from their routing tables."""
    apps = (command_app(CommandSettings()), query_app(QuerySettings()))
    return {
        (method, path)
        for app in apps
        for path, route in _routes(app.routes)
        if route.include_in_schema
        for method in route.methods - {"HEAD", "OPTIONS"}
    }


def test_every_served_operation_is_listed_and_nothing_listed_is_missing() -> None:
    listed = set(LISTED.findall(api_docs.API_DOC.read_text()))
    served = _served()
    assert served - listed == set(), "served but not in docs/api.md"
    assert listed - served == set(), "in docs/api.md but not served"


def test_the_generated_section_is_current() -> None:
    assert api_docs.main(["--check"]) == 0, "run python -m tools.api_docs"


def test_the_readme_links_only_files_inside_the_repository() -> None:
    root = api_docs.API_DOC.parent.parent
    targets = re.findall(r"\]\(([^)#\s]+)", (root / "README.md").read_text())
    assert "docs/api.md" in targets
    for target in targets:
        resolved = (root / target).resolve()
        assert resolved.is_relative_to(root) and resolved.exists(), target
