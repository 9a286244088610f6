"""HTTP request metrics by route template and status (pure ASGI: it sits on every request)."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.kit.metrics import HTTP_SECONDS

UNMATCHED = "unmatched"  # one label for all unrouted paths: scanners add no series
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_template(scope: Scope) -> str:
    """`/v1/bookings/{booking_id}`, never the raw path; `unmatched` when no route took the
    request (a 404, or a 413 the body cap answered before routing)."""
    template = getattr(scope.get("route"), "path_format", None)
    return template if isinstance(template, str) else UNMATCHED


class HttpMetrics:
    """Observes each request's duration by method, route template and status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._series: dict[tuple[str, str, int], Any] = {}  # skips labels()' lock and checks

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the server answers if the app raises before its response starts

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        key = (method, route_template(scope), status)
        series = self._series.get(key)
        if series is None:
            series = self._series[key] = HTTP_SECONDS.labels(key[0], key[1], str(status))
        series.observe(seconds)
