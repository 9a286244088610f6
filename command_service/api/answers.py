"""A command's HTTP answer: the decision or the refusal, and the replay of an Idempotency-Key.

API.md: the same key with the same body returns the first response again, refusals
included. A success's record rides in the append statement (the handler's `Receipt`);
a refusal has no events, so it is kept alone (`ResponseStore.keep_first`). Both race on
the key's primary key: whichever commits first is the answer, the other replays it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID

from fastapi import Request
from starlette.responses import Response

from command_service.api.http import command_context, handler_of, idempotency_key
from command_service.api.problems import problem_of
from command_service.application.decision import Decided
from command_service.application.errors import AlreadyAnsweredError, IdempotencyKeyReuseError
from command_service.application.handler import CommandContext, CommandHandler
from command_service.domain.commands import Command
from command_service.domain.errors import DomainError
from command_service.store.idempotency import ResponseStore, StoredResponse
from shared.contract.serialization import loads
from shared.kit.http.responses import JSON, PROBLEM_TYPE

# Given the events appended and the stream's state after them, the response body (a
# vehicle's routes render a VehicleState, a location's routes a LocationState).
Render = Callable[[Sequence[Any], Any], dict[str, Any]]
# Runs the command (offered the vehicle handler; other kinds of streams bring their own).
Run = Callable[[CommandHandler, CommandContext], Awaitable[Decided[Any]]]


def to_vehicle(vehicle_id: UUID, command: Command) -> Run:
    """Run `command` on the vehicle's stream."""
    return lambda handler, ctx: handler.on_vehicle(vehicle_id, command, ctx)


def to_entity(entity_id: UUID, kind: str, command: Command) -> Run:
    """Run `command` on the stream of the vehicle that owns a hold/booking/trip/maintenance."""
    return lambda handler, ctx: handler.on_entity(entity_id, kind, command, ctx)


def checked(check: Callable[[], Awaitable[None]], run: Run) -> Run:
    """`run` once `check` passed; a refusal of `check` answers (and is kept for an
    Idempotency-Key) like one of the decision."""

    async def run_checked(handler: CommandHandler, ctx: CommandContext) -> Decided[Any]:
        await check()
        return await run(handler, ctx)

    return run_checked


def replayable(status: int) -> bool:
    """Whether a refusal is the key's answer for good.

    A 4xx the decision reached answers this request whatever happens later. A 503 or
    429 is transient: a retry must be able to succeed. A 403 writes nothing at all (a
    caller refused for who they are leaves no trace; ownership never changes, so a
    retry is refused alike). Another customer's record answers the 404 of an unknown
    id, kept like it: keys are per caller, so the replay is that caller's alone, and a
    kept 404 looks the same whichever of the two it was.
    """
    return 400 <= status < 500 and status not in (403, 429)


@dataclass(frozen=True)
class KeyedRequest:
    """A request sent with an Idempotency-Key; records its answers for that key."""

    key: str
    fingerprint: bytes
    status: int
    render: Render

    def record(self, decision: Decided[Any]) -> StoredResponse:
        body = self.render(decision.events, decision.state)
        return StoredResponse(self.key, self.fingerprint, self.status, body)

    def refusal(self, response: Response) -> StoredResponse:
        body = loads(bytes(response.body))
        return StoredResponse(self.key, self.fingerprint, response.status_code, body)


def fingerprint(method: str, path: str, body: bytes) -> bytes:
    """Identity of a request for Idempotency-Key comparison."""
    return hashlib.sha256(b"%s %s\n%s" % (method.encode(), path.encode(), body)).digest()


async def answer(request: Request, run: Run, render: Render, status: int = 200) -> Response:
    """Run a command and answer it; with an Idempotency-Key, answer what the key first got."""
    key = idempotency_key(request)
    ctx = await command_context(request)
    if key is None:
        return _decided(await run(handler_of(request), ctx), render, status)
    path, body = request.url.path, await request.body()
    keyed = KeyedRequest(key, fingerprint(request.method, path, body), status, render)
    responses: ResponseStore = request.app.state.responses
    first: Response | StoredResponse | None = await responses.find(key)
    if first is None:
        running = run(handler_of(request), replace(ctx, receipt=keyed))
        first = await _first_answer(responses, running, keyed)
    return first if isinstance(first, Response) else _replay(first, keyed)


async def _first_answer(
    responses: ResponseStore, running: Awaitable[Decided[Any]], keyed: KeyedRequest
) -> Response | StoredResponse:
    """This request's own response, or the key's first one when a same-key request was
    answered first."""
    try:
        decision = await running
    except AlreadyAnsweredError:  # our append lost to a same-key answer: nothing was written
        first = await responses.find(keyed.key)
        assert first is not None  # the row that beat our append has committed
        return first
    except DomainError as exc:
        refused = problem_of(exc)
        if not replayable(refused.status_code):
            # A same-key request may have been answered meanwhile; then that is the answer.
            first = await responses.find(keyed.key)
            if first is None:
                raise
            return first
        first, ours = await responses.keep_first(keyed.refusal(refused))
        return refused if ours else first
    if decision.position is None:  # nothing appended, so no record rode along: keep it alone
        first, ours = await responses.keep_first(keyed.record(decision))
        if not ours:
            return first
    return _decided(decision, keyed.render, keyed.status)


def _decided(decision: Decided[Any], render: Render, status: int) -> Response:
    body = render(decision.events, decision.state)
    return JSON(body, status_code=status, headers={"ETag": f'"{decision.version}"'})


def _replay(first: StoredResponse, keyed: KeyedRequest) -> Response:
    """The key's first response again, if it was given to this very request."""
    if first.fingerprint != keyed.fingerprint:
        raise IdempotencyKeyReuseError("this Idempotency-Key was used with a different request")
    headers = {"Idempotent-Replayed": "true"}
    if first.status >= 400:
        return JSON(first.body, status_code=first.status, headers=headers, media_type=PROBLEM_TYPE)
    if "version" in first.body:
        headers["ETag"] = f'"{first.body["version"]}"'
    return JSON(first.body, status_code=first.status, headers=headers)
