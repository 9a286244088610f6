"""Pure ASGI middleware (cheaper than BaseHTTPMiddleware on the hot path).

RequestContext: binds request/correlation ids into structlog and echoes them back, and
caps request bodies (413 problem+json) before the app reads them.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.contract.serialization import dumps

log = structlog.get_logger("fleet.http")


class BodyTooLargeError(Exception):
    """The request body passed the configured limit."""


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _too_large(limit: int) -> tuple[dict[str, Any], bytes]:
    body = dumps(
        {
            "type": "urn:fleetledger:problem:payload-too-large",
            "title": "Payload too large",
            "status": 413,
            "detail": f"request bodies are limited to {limit} bytes",
        }
    )
    start = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    return start, body


class RequestContext:
    """Request ids, structured access log and a body-size cap for every HTTP request."""

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _header(scope, b"x-request-id") or uuid.uuid4().hex
        correlation_id = _header(scope, b"x-correlation-id") or request_id
        scope.setdefault("state", {}).update(request_id=request_id, correlation_id=correlation_id)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id, correlation_id=correlation_id)
        started = time.perf_counter()
        status = {"code": 500, "sent": False}
        declared = _header(scope, b"content-length")
        too_large = (
            declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes
        )
        if declared is None and _header(scope, b"transfer-encoding") is not None:
            # A chunked body announces no size: read it (up to the cap) before the app
            # does, since the app's body parser would turn our refusal into a 400.
            buffered = await self._buffered(receive)
            too_large, receive = buffered is None, buffered or receive
        if too_large:
            await self._reject(send, status)
        else:
            await self._forward(scope, receive, send, status, request_id)
        log.info(
            "http_request",
            method=scope["method"],
            path=scope["path"],
            status=status["code"],
            duration_ms=round((time.perf_counter() - started) * 1e3, 2),
        )

    async def _forward(
        self, scope: Scope, receive: Receive, send: Send, status: dict[str, Any], request_id: str
    ) -> None:
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body_bytes:
                    raise BodyTooLargeError
            return message

        async def tagged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"], status["sent"] = message["status"], True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, counted_receive, tagged_send)
        except BodyTooLargeError:
            if status["sent"]:
                raise
            await self._reject(send, status)

    async def _buffered(self, receive: Receive) -> Receive | None:
        """A replay of the whole body, or None once it passes the cap."""
        messages: list[Message] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            size += len(message.get("body", b""))
            if size > self.max_body_bytes:
                return None
            if message["type"] != "http.request" or not message.get("more_body", False):
                break
        replay = iter(messages)

        async def replayed() -> Message:
            return next(replay, None) or await receive()

        return replayed

    async def _reject(self, send: Send, status: dict[str, Any]) -> None:
        start, body = _too_large(self.max_body_bytes)
        status["code"] = 413
        await send(start)
        await send({"type": "http.response.body", "body": body})
