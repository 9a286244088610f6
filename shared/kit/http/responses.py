"""JSON and problem+json responses rendered by the shared serializer (orjson)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from shared.contract.serialization import dumps

PROBLEM_TYPE = "application/problem+json"


class JSON(Response):
    """application/json rendered by the shared serializer."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)


def problem(
    status: int,
    title: str,
    detail: str,
    slug: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    """An RFC 9457 problem+json response; `slug` names the problem type."""
    body = {
        "type": f"urn:fleetledger:problem:{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        **extra,
    }
    if status in (429, 503):
        headers = {"Retry-After": "1", **(headers or {})}
    return Response(dumps(body), status_code=status, media_type=PROBLEM_TYPE, headers=headers)
