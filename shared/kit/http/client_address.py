"""The client's address behind proxies we trust (FLEET_TRUSTED_PROXIES), never a forgery.

X-Forwarded-For is read only when the peer itself is a trusted proxy, and then from the
right: each proxy appends the address it received from, so the first untrusted address
from the right is the client. Anything left of it was written by the client and may be
made up. uvicorn's own proxy-header rewriting is off (shared/kit/http/server.py), so
the ASGI peer is the real TCP peer.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from starlette.types import Scope

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(raw: str) -> tuple[Network, ...]:
    """`10.0.0.0/8, 127.0.0.1, ::1` → networks; ValueError on anything else."""
    return tuple(ipaddress.ip_network(part.strip()) for part in raw.split(",") if part.strip())


def _trusted(address: str, proxies: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in proxies)


def client_address(scope: Scope, proxies: tuple[Network, ...]) -> str:
    """The address a request came from, through the trusted proxies."""
    client = scope.get("client")
    peer = client[0] if client else "unknown"
    if not proxies or not _trusted(peer, proxies):
        return peer
    forwarded: list[str] = []
    for name, value in scope["headers"]:
        if name == b"x-forwarded-for":
            forwarded += [hop.strip() for hop in value.decode("latin-1").split(",")]
    for hop in reversed(forwarded):
        if not _trusted(hop, proxies):
            return hop if _is_address(hop) else peer
    return forwarded[0] if forwarded and _is_address(forwarded[0]) else peer


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
