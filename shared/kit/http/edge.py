"""Edge rules every response obeys: header size limits (431) and safe response headers.

- A request header line over 16 KiB, or headers over 64 KiB in total, get 431
  problem+json (RFC 6585) before any route runs.
- Every response says `X-Content-Type-Options: nosniff`; a response to a request that
  carried credentials (`Authorization`) also says `Cache-Control: no-store` unless its
  route chose a policy, so no shared cache or browser keeps account data.
The `Server` banner is switched off in uvicorn itself (shared/kit/http/server.py).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.contract.serialization import dumps

MAX_HEADER_LINE_BYTES = 16 * 1024
MAX_HEADER_BYTES = 64 * 1024
_NOSNIFF = (b"x-content-type-options", b"nosniff")
_NO_STORE = (b"cache-control", b"no-store")


def examine_headers(headers: list[tuple[bytes, bytes]]) -> tuple[str | None, bool]:
    """(why these request headers break the limits or None, whether they carry
    credentials), in one pass: this runs on every request."""
    total, credentialed = 0, False
    for name, value in headers:
        line = len(name) + len(value) + 4  # "name: value\r\n"
        if line > MAX_HEADER_LINE_BYTES:
            return f"a header line is limited to {MAX_HEADER_LINE_BYTES} bytes", credentialed
        total += line
        credentialed = credentialed or name == b"authorization"
    if total > MAX_HEADER_BYTES:
        return f"request headers are limited to {MAX_HEADER_BYTES} bytes in total", credentialed
    return None, credentialed


class EdgeHeaders:
    """431 for oversized request headers; nosniff and no-store on the way out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        why, credentialed = examine_headers(scope["headers"])
        if why is not None:
            await _refuse(send, why)
            return

        async def guarded_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), _NOSNIFF]
                if credentialed and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append(_NO_STORE)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, guarded_send)


async def _refuse(send: Send, detail: str) -> None:
    body = dumps(
        {
            "type": "urn:fleetledger:problem:request-header-fields-too-large",
            "title": "Request header fields too large",
            "status": 431,
            "detail": detail,
        }
    )
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        _NOSNIFF,
    ]
    await send({"type": "http.response.start", "status": 431, "headers": headers})
    await send({"type": "http.response.body", "body": body})
