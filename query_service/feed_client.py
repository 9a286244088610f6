"""Client of the command service's log: a stream's history and the global catch-up feed."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

import httpx

from shared.contract.events import StreamEvent
from shared.contract.serialization import event_class, event_from_stored, loads
from shared.kit.auth.client import Credentials, SignedIn

# Where the command service keeps each kind of stream's history.
HISTORY_PATHS = {
    "vehicle": "/v1/vehicles/{}/history",
    "location": "/v1/locations/{}/history",
    "pricing_policy": "/v1/pricing/policies/{}/history",
    "payment": "/v1/payments/{}/history",
}


class Heads(NamedTuple):
    """A page of the feed walked as stream heads: (kind, id, last version in the page) of
    each stream it went past, the next cursor, and how many events it went past."""

    streams: list[tuple[str, UUID, int]]
    next_after: int
    covered: int


def event_of(item: dict[str, Any]) -> tuple[StreamEvent, int]:
    """(event, global_position) of a stored-event item of the command API (the stream's
    id comes under its kind's name: `vehicle_id`, `location_id`, `policy_id`)."""
    cls = event_class(item["type"])
    event = event_from_stored(
        item["type"],
        item["data"],
        item[cls.STREAM_ID],
        event_id=item["event_id"],
        version=item["version"],
        occurred_at=item["occurred_at"],
        schema_version=item["schema_version"],
    )
    return event, int(item["global_position"])


class CommandFeed:
    """Reads stored events back from the command service over HTTP."""

    def __init__(
        self, base_url: str, credentials: Credentials | None, http: httpx.AsyncClient | None = None
    ) -> None:
        """`http`: a client of the command service to use instead (a test's app in process)."""
        auth = SignedIn(credentials, base_url) if credentials else None
        self._http = http or httpx.AsyncClient(base_url=base_url, timeout=10, auth=auth)

    async def history(
        self, kind: str, stream_id: UUID, after_version: int, limit: int = 1000
    ) -> list[tuple[StreamEvent, int]]:
        """A stream's events after a version ([] when the command service knows none)."""
        resp = await self._http.get(
            HISTORY_PATHS[kind].format(stream_id),
            params={"after_version": after_version, "limit": limit},
        )
        if resp.status_code == 404:
            return []
        resp.raise_for_status()
        return [event_of(item) for item in loads(resp.content)["items"]]

    async def page(
        self, after: int, limit: int = 1000
    ) -> tuple[list[tuple[StreamEvent, int]], int]:
        """Events after global position `after` in publication order, and the next cursor."""
        body = await self._body(after=after, limit=limit)
        return [event_of(item) for item in body["items"]], int(body["next_after"])

    async def shard_page(
        self, after: int, limit: int, shard: int, shards: int
    ) -> tuple[list[tuple[StreamEvent, int]], int, int]:
        """`page` for shard `shard` of `shards` of the streams (shared.contract.shards),
        filtered by the command service: the shard's events, the next cursor, and how
        many events of the feed the page went past (how far into the feed it reached)."""
        body = await self._body(after=after, limit=limit, shard=shard, shards=shards)
        return [event_of(item) for item in body["items"]], int(body["next_after"]), body["covered"]

    async def heads(self, after: int, limit: int, recorded_before: datetime) -> Heads:
        """The feed after `after` walked as stream heads (GET /v1/events/heads), up to the
        first event stored at or after `recorded_before`."""
        before = recorded_before.isoformat()
        body = await self._body("/heads", after=after, limit=limit, recorded_before=before)
        streams = [(s["stream"], UUID(s["stream_id"]), s["version"]) for s in body["streams"]]
        return Heads(streams, int(body["next_after"]), body["covered"])

    async def _body(self, path: str = "", **params: int | str) -> dict[str, Any]:
        """The JSON body of `GET /v1/events{path}` with `params`."""
        resp = await self._http.get(f"/v1/events{path}", params=params)
        resp.raise_for_status()
        body: dict[str, Any] = loads(resp.content)  # orjson: a rebuild parses every event
        return body

    async def close(self) -> None:
        await self._http.aclose()
