"""How both services are served by uvicorn (the launcher, the tests and the images).

- `--no-server-header`: no `Server: uvicorn` banner naming the software to attackers.
- `--no-proxy-headers`: uvicorn would otherwise trust X-Forwarded-For from 127.0.0.1 and
  rewrite the peer address; the services resolve the client themselves through
  FLEET_TRUSTED_PROXIES (shared/kit/http/client_address.py).
- `--h11-max-incomplete-event-size`: with the h11 parser, headers up to the 64 KiB limit
  reach the app, which answers 431 past it (httptools has no limit of its own).
- `--timeout-keep-alive`: an idle connection is kept longer than the clients in front
  keep theirs (httpx 5 s; proxies and load balancers commonly a minute).
  uvicorn's default of 5 s equals httpx's: a request sent as the server closes the
  connection is lost unanswered ("Server disconnected without sending a response"; 3
  and 5 in 300 requests after pauses of 4.9 to 5.1 s, docs/identity.md). At 75 s the
  client lets go first.
"""

from __future__ import annotations

from shared.kit.http.edge import MAX_HEADER_BYTES

# h11 counts the request line and header block together; leave room for the line.
H11_MAX_INCOMPLETE_EVENT_BYTES = MAX_HEADER_BYTES + 16 * 1024
KEEP_ALIVE_S = 75


def uvicorn_flags() -> list[str]:
    """Command-line flags every uvicorn serving a Fleetledger app gets."""
    return [
        "--no-server-header",
        "--no-proxy-headers",
        "--h11-max-incomplete-event-size",
        str(H11_MAX_INCOMPLETE_EVENT_BYTES),
        "--timeout-keep-alive",
        str(KEEP_ALIVE_S),
    ]
