"""Route matching in the command service: `python -m bench.routing [--rounds N]`.

Starlette tries an app's routes in order, each path's pattern in turn, before a request
reaches its endpoint. Prints, for the busiest commands and a rare one, the microseconds
spent finding the route (this process, no server, no database) and its place in the list.
"""

from __future__ import annotations

import argparse
import sys
import time

from starlette.routing import BaseRoute, Match

from command_service.api.app import create_app
from command_service.settings import Settings

PATHS = [("POST", "/v1/bookings"), ("POST", "/v1/holds"), ("POST", "/v1/trips"),
         ("POST", "/v1/vehicles"), ("GET", "/v1/events")]  # fmt: skip


def _scope(method: str, path: str) -> dict[str, object]:
    return {"type": "http", "method": method, "path": path, "root_path": "",
            "headers": [], "query_string": b""}  # fmt: skip


def _matched(routes: list[BaseRoute], scope: dict[str, object]) -> int:
    for n, route in enumerate(routes):
        if route.matches(scope)[0] is Match.FULL:
            return n
    raise LookupError(scope["path"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.routing", description=__doc__)
    parser.add_argument("--rounds", type=int, default=20_000)
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be positive")
    app = create_app(Settings(database_url="postgresql://bench@127.0.0.1:1/unused"))
    routes = app.router.routes
    sys.stdout.write(f"{len(routes)} top-level routes\n")
    for method, path in PATHS:
        scope = _scope(method, path)
        began = time.perf_counter()
        for _ in range(args.rounds):
            place = _matched(routes, scope)
        micros = (time.perf_counter() - began) / args.rounds * 1e6
        sys.stdout.write(f"{method:>4} {path:<14} {micros:6.1f} us (route #{place})\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
