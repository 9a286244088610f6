"""Hostile strings in every string field of every body, and in the query service's
parameters, are answered with a 4xx (or stored verbatim where they are valid text),
never a 5xx; refused requests write nothing; oversized bodies are cut off with 413.

Bodies are serialised with ASCII escapes, so NUL (\\u0000) and a lone surrogate
(\\ud800) reach the server's JSON parser exactly as an attacker would send them.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.integration.conftest import new_vehicle
from tests.security.conftest import sign_up, window
from tests.security.support import PASSWORD, Ledger, Person, assert_problem, unique_email

HOSTILE = {
    "sql tautology": "' OR 1=1 --",
    "sql drop": '"; DROP TABLE events; --',
    "sql union": "x' UNION SELECT password_hash FROM users --",
    "nul byte": "a\x00b",
    "lone surrogate": "a\ud800b",
    "very long": "A" * 100_000,
    "rtl override": "\u202eevil\u202c",
    "template": "${jndi:ldap://x}{{7*7}}",
    "markup": "<script>alert(1)</script>",
    "path": "../../../etc/passwd",
}
MiB = 1024 * 1024


@dataclass
class Scene:
    """The services and the people who send hostile requests to them."""

    command: httpx.AsyncClient
    query: httpx.AsyncClient
    ledger: Ledger
    manager: Person
    alice: Person
    admin: Person
    newcomer: Person

    async def vehicle(self) -> str:
        resp = await self.command.post(
            "/v1/vehicles", json=new_vehicle(), headers=self.manager.auth
        )
        assert resp.status_code == 201, resp.text
        return str(resp.json()["vehicle_id"])

    async def booking(self) -> str:
        body = {"vehicle_id": await self.vehicle(), **window(10, 70)}
        resp = await self.command.post("/v1/bookings", json=body, headers=self.alice.auth)
        assert resp.status_code == 201, resp.text
        return str(resp.json()["booking_id"])


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: dict[str, Any]
    who: Person | None


Build = Callable[[Scene, str], Awaitable[Call]]


def _vehicle_body(field: str) -> Build:
    async def build(s: Scene, value: str) -> Call:
        return Call("POST", "/v1/vehicles", {**new_vehicle(), field: value}, s.manager)

    return build


def _on_vehicle(suffix: str, base: dict[str, Any], field: str, method: str = "POST") -> Build:
    async def build(s: Scene, value: str) -> Call:
        path = f"/v1/vehicles/{await s.vehicle()}{suffix}"
        return Call(method, path, {**base, field: value}, s.manager)

    return build


def _calendar(path: str, field: str, **extra: Any) -> Build:
    async def build(s: Scene, value: str) -> Call:
        body = {"vehicle_id": await s.vehicle(), **window(30, 90), **extra, field: value}
        return Call("POST", path, body, s.alice)

    return build


def _cancel(field: str) -> Build:
    async def build(s: Scene, value: str) -> Call:
        path = f"/v1/bookings/{await s.booking()}/cancel"
        return Call("POST", path, {"reason": "fine", field: value}, s.alice)

    return build


def _trip(field: str) -> Build:
    async def build(s: Scene, value: str) -> Call:
        body = {"booking_id": await s.booking(), "odometer_km": 1000, field: value}
        return Call("POST", "/v1/trips", body, s.alice)

    return build


def _auth(path: str, base: Callable[[], dict[str, Any]], field: str) -> Build:
    async def build(s: Scene, value: str) -> Call:
        return Call("POST", path, {**base(), field: value}, None)

    return build


def _role(field: str) -> Build:
    async def build(s: Scene, value: str) -> Call:
        path = f"/v1/users/{s.newcomer.user_id}/role"
        return Call("POST", path, {field: value}, s.admin)

    return build


def _registration() -> dict[str, Any]:
    return {"email": unique_email("hostile"), "password": PASSWORD, "name": "Eve"}


def _credentials() -> dict[str, Any]:
    return {"email": unique_email("hostile"), "password": PASSWORD}


TARGETS: dict[str, Build] = {
    **{f"register vehicle {f}": _vehicle_body(f) for f in ("vin", "plate", "make", "model")},
    "register vehicle currency": _vehicle_body("currency"),
    **{
        f"update vehicle {f}": _on_vehicle("", {}, f, "PATCH")
        for f in ("plate", "make", "model", "currency")
    },
    "change status status": _on_vehicle("/status", {"reason": "check"}, "status"),
    "change status reason": _on_vehicle("/status", {"status": "maintenance"}, "reason"),
    "retire reason": _on_vehicle("/retire", {}, "reason"),
    **{
        f"maintenance {f}": _on_vehicle("/maintenance", {**window(600, 660), "reason": "oil"}, f)
        for f in ("start", "end", "reason")
    },
    **{f"hold {f}": _calendar("/v1/holds", f, ttl_seconds=3600) for f in ("start", "end")},
    "hold vehicle_id": _calendar("/v1/holds", "vehicle_id"),
    "hold customer_id": _calendar("/v1/holds", "customer_id"),
    **{
        f"booking {f}": _calendar("/v1/bookings", f)
        for f in ("start", "end", "purpose", "cost_centre")
    },
    **{f"hold {f}": _calendar("/v1/holds", f) for f in ("purpose", "cost_centre")},
    "booking vehicle_id": _calendar("/v1/bookings", "vehicle_id"),
    "booking customer_id": _calendar("/v1/bookings", "customer_id"),
    "cancel reason": _cancel("reason"),
    "trip booking_id": _trip("booking_id"),
    **{f"sign up {f}": _auth("/v1/auth/register", _registration, f) for f in _registration()},
    **{f"sign in {f}": _auth("/v1/auth/token", _credentials, f) for f in _credentials()},
    "refresh refresh_token": _auth("/v1/auth/refresh", dict, "refresh_token"),
    "logout refresh_token": _auth("/v1/auth/logout", dict, "refresh_token"),
    "role role": _role("role"),
}

# Fields whose stored form is documented to differ from the input (trimmed, lower-cased).
NORMALISED = {"email", "name", "cost_centre"}


@pytest.fixture(scope="module")
async def scene(command, query, ledger, manager, alice, admin) -> Scene:
    newcomer = await sign_up(command, "newcomer")
    return Scene(command, query, ledger, manager, alice, admin, newcomer)


async def send(s: Scene, call: Call) -> httpx.Response:
    headers = {"content-type": "application/json", **(call.who.auth if call.who else {})}
    content = json.dumps(call.body, ensure_ascii=True).encode()
    return await s.command.request(call.method, call.path, content=content, headers=headers)


def verdict(name: str, field: str, value: str, resp: httpx.Response, wrote: bool) -> str | None:
    """What is wrong with how the service answered `value` in `field` (None: fine)."""
    if resp.status_code >= 500:
        return f"{name} / {value[:20]!r}: {resp.status_code} {resp.text[:200]}"
    if resp.status_code >= 400:
        if not resp.headers["content-type"].startswith("application/problem+json"):
            return f"{name} / {value[:20]!r}: {resp.status_code} without problem+json"
        if wrote:
            return f"{name} / {value[:20]!r}: refused with {resp.status_code} but wrote rows"
        return None
    echoed = resp.json().get(field) if resp.content else None
    if field not in NORMALISED and echoed is not None and echoed != value:
        return f"{name} / {value[:20]!r}: stored as {echoed!r}, not verbatim"
    return None


@pytest.mark.parametrize("target", list(TARGETS))
async def test_hostile_strings_in_a_command_or_auth_field_never_cause_a_5xx(scene, target):
    field = target.rsplit(" ", 1)[1]
    problems = []
    for value in HOSTILE.values():
        call = await TARGETS[target](scene, value)
        before = await scene.ledger.counts()
        resp = await send(scene, call)
        wrote = await scene.ledger.counts() != before
        problem = verdict(target, field, value, resp, wrote)
        if problem:
            problems.append(problem)
    assert not problems, "\n".join(problems)


QUERY_PARAMS = {
    "/v1/availability": ["start", "end", "make", "model", "min_seats", "near", "radius_km"],
    "/v1/vehicles": ["status", "make", "limit", "cursor"],
    "/v1/bookings": ["vehicle_id", "customer_id", "status", "from", "to", "limit", "cursor"],
    "/v1/holds": ["vehicle_id", "customer_id", "status", "cursor"],
    "/v1/trips": ["vehicle_id", "customer_id", "status", "from", "to", "cursor"],
    "/v1/maintenance": ["vehicle_id", "status", "cursor"],
}
QUERY_CASES = [(path, param) for path, params in QUERY_PARAMS.items() for param in params]


@pytest.mark.parametrize(("path", "param"), QUERY_CASES)
async def test_hostile_query_parameters_are_4xx_never_5xx(scene, path, param):
    base = window(60, 120) if path == "/v1/availability" else {}
    problems = []
    for who in (scene.manager, scene.alice):
        for value in HOSTILE.values():
            value = value if "\ud800" not in value else "a%ED%A0%80b"
            value = value[:8000]  # a URL, unlike a body, has a length limit in the client
            resp = await scene.query.get(path, params={**base, param: value}, headers=who.auth)
            if resp.status_code >= 500 or (
                resp.status_code >= 400
                and not resp.headers["content-type"].startswith("application/problem+json")
            ):
                problems.append(f"{who.role} {param}={value[:20]!r}: {resp.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "path", ["/v1/bookings/{}", "/v1/holds/{}", "/v1/trips/{}", "/v1/vehicles/{}"]
)
async def test_hostile_ids_in_query_paths_are_4xx(scene, path):
    for value in ("' OR 1=1 --", "1;DROP TABLE events", "%00", "..%2F..%2Fetc"):
        resp = await scene.query.get(path.format(value), headers=scene.manager.auth)
        assert 400 <= resp.status_code < 500, (value, resp.status_code, resp.text[:200])


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("X-Consistency-Token", "' OR 1=1 --"),
        ("X-Consistency-Token", "v1." + "A" * 5000),
        ("X-Consistency-Wait-Ms", "-1; DROP TABLE events"),
    ],
)
async def test_hostile_consistency_headers_are_4xx(scene, header, value):
    resp = await scene.query.get("/v1/bookings", headers={**scene.alice.auth, header: value})
    assert_problem(resp, resp.status_code)
    assert 400 <= resp.status_code < 500, resp.text


@pytest.mark.parametrize("value", ["' OR 1=1 --", 'W/"1; DROP TABLE events"', "x" * 300])
async def test_hostile_if_match_and_idempotency_key_headers_are_4xx(scene, value):
    vehicle = await scene.vehicle()
    before = await scene.ledger.counts()
    for header in ("If-Match", "Idempotency-Key"):
        resp = await scene.command.patch(
            f"/v1/vehicles/{vehicle}",
            json={"seats": 4},
            headers={**scene.manager.auth, header: value},
        )
        if header == "Idempotency-Key" and len(value) <= 255:
            assert resp.status_code == 200, resp.text  # a legitimate (if odd) key
            before = await scene.ledger.counts()
            continue
        assert 400 <= resp.status_code < 500, (header, resp.status_code, resp.text[:200])
        assert await scene.ledger.counts() == before


async def test_the_event_store_survives_every_hostile_value(scene):
    ledger = scene.ledger
    assert await ledger.pool.fetchval("SELECT to_regclass('public.events') IS NOT NULL")
    assert await ledger.pool.fetchval("SELECT count(*) FROM events") > 0
    triggers = await ledger.pool.fetchval(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'events'::regclass AND NOT tgisinternal"
    )
    assert triggers >= 1  # the append-only guard is still in place
    injected = await ledger.pool.fetchval(
        "SELECT count(*) FROM users WHERE role <> 'customer' AND name LIKE '%OR 1=1%'"
    )
    assert injected == 0


def oversized() -> bytes:
    return b'{"make": "' + b"A" * (MiB + 16) + b'"}'


@pytest.mark.parametrize("service", ["command", "query"])
async def test_a_body_over_one_mebibyte_is_413_problem_json(scene, service):
    client = scene.command if service == "command" else scene.query
    method, path = ("POST", "/v1/vehicles") if service == "command" else ("GET", "/v1/bookings")
    headers = {"content-type": "application/json", **scene.manager.auth}
    before = await scene.ledger.counts()
    resp = await client.request(method, path, content=oversized(), headers=headers)
    assert_problem(resp, 413)
    assert await scene.ledger.counts() == before


async def test_a_chunked_body_over_one_mebibyte_is_413_problem_json(scene):
    """Without a Content-Length the cap is enforced while the body streams in."""
    payload = oversized()

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(payload), 64 * 1024):
            yield payload[i : i + 64 * 1024]

    headers = {"content-type": "application/json", **scene.manager.auth}
    before = await scene.ledger.counts()
    resp = await scene.command.post("/v1/vehicles", content=chunks(), headers=headers)
    assert_problem(resp, 413)
    assert await scene.ledger.counts() == before


async def test_a_body_over_one_mebibyte_is_413_even_before_sign_in(scene):
    payload = json.dumps(
        {"email": unique_email(), "password": PASSWORD, "name": "A" * (MiB + 1)}
    ).encode()
    before = await scene.ledger.counts()
    resp = await scene.command.post(
        "/v1/auth/register", content=payload, headers={"content-type": "application/json"}
    )
    assert_problem(resp, 413)
    assert await scene.ledger.counts() == before


async def test_a_body_just_under_the_cap_is_read_and_judged_on_its_merits(scene):
    payload = json.dumps({**new_vehicle(), "make": "A" * (MiB - 1024)}).encode()
    resp = await scene.command.post(
        "/v1/vehicles",
        content=payload,
        headers={"content-type": "application/json", **scene.manager.auth},
    )
    assert_problem(resp, 422)  # too long a make, but not 413
