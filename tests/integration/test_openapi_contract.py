"""The command service's OpenAPI document is one client generators and Swagger users can use.

Every operation declares its success body and its problem+json answers, the command
headers are declared where they apply, the request examples pass the domain's rules when
posted as they are, and the OAuth2 password flow it declares signs in.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio

from command_service.api.app import create_app
from tests.conftest import in_process_settings
from tests.integration.conftest import bearer, token_for
from tests.openapi_ops import Operation, operations, resolve

WRITE_TAGS = {"vehicles", "locations", "holds and bookings", "trips"}


@pytest_asyncio.fixture(scope="module")
async def api(command_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    """The command app on the system clock (the examples are relative to today)."""
    app = create_app(in_process_settings(command_dsn))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = bearer(await token_for(app, "admin"))
        async with httpx.AsyncClient(
            transport=transport, base_url="http://command", headers=headers
        ) as client:
            yield client


@pytest_asyncio.fixture(scope="module")
async def doc(api: httpx.AsyncClient) -> dict[str, Any]:
    resp = await api.get("/openapi.json")
    assert resp.status_code == 200
    document: dict[str, Any] = resp.json()
    return document


def _all(doc: dict[str, Any]) -> list[Operation]:
    found = list(operations(doc))
    assert len(found) >= 26
    return found


def test_every_operation_declares_its_success_body(doc):
    undeclared = []
    for op in _all(doc):
        success = {c: r for c, r in op.spec["responses"].items() if c.startswith("2")}
        bodies = [r.get("content", {}) for c, r in success.items() if c != "204"]
        if not success or not all(any(m.get("schema") for m in b.values()) for b in bodies):
            undeclared.append(str(op))
    assert not undeclared


def test_every_operation_declares_its_problem_answers_with_their_schema(doc):
    missing = [
        str(op)
        for op in _all(doc)
        if not any(
            "schema" in r.get("content", {}).get("application/problem+json", {})
            for c, r in op.spec["responses"].items()
            if c.startswith(("4", "5"))
        )
    ]
    assert missing == ["GET /"]  # the links: nothing to refuse


def test_every_write_declares_the_idempotency_key_and_if_match_headers(doc):
    writes = [op for op in _all(doc) if WRITE_TAGS & set(op.spec.get("tags", []))]
    assert len(writes) == 15
    for op in writes:
        headers = {p["name"] for p in op.spec["parameters"] if p["in"] == "header"}
        assert {"Idempotency-Key", "If-Match"} <= headers, op
        assert "ETag" in op.spec["responses"][_success(op)]["headers"], op


def _success(op: Operation) -> str:
    return next(c for c in op.spec["responses"] if c.startswith("2"))


def test_every_request_body_has_an_example(doc):
    without = [str(op) for op in _all(doc) if op.body_schema and not op.example_body()]
    assert not without  # (the sign-in form is not JSON: Swagger renders its fields)


def _example(doc: dict[str, Any], method: str, path: str, **ids: str) -> dict[str, Any]:
    op = next(o for o in operations(doc) if (o.method, o.path) == (method, path))
    body = op.example_body()
    assert body is not None
    return {**body, **{k: v for k, v in ids.items() if k in body}}


async def test_the_request_examples_pass_the_domain_rules_as_they_are(api, doc):
    """The examples Swagger pre-fills are accepted; only the ids they name must be real."""
    registered = await api.post("/v1/vehicles", json=_example(doc, "post", "/v1/vehicles"))
    assert registered.status_code == 201, registered.text
    vehicle = registered.json()["vehicle_id"]
    sent = [
        ("patch", "/v1/vehicles/{vehicle_id}", 200),
        ("post", "/v1/vehicles/{vehicle_id}/maintenance", 201),
        ("post", "/v1/bookings", 201),
        ("post", "/v1/holds", 201),
    ]
    for method, path, status in sent:
        body = _example(doc, method, path, vehicle_id=vehicle)
        resp = await api.request(method, path.format(vehicle_id=vehicle), json=body)
        assert resp.status_code == status, (path, resp.text)
    booking = resp = await api.post(
        "/v1/bookings", json=_example(doc, "post", "/v1/bookings", vehicle_id=vehicle)
    )
    assert resp.status_code == 409  # the same window again: the example is a real window
    assert booking.json()["conflicts"]


async def test_the_location_examples_open_and_update_a_location(api, doc):
    opened = await api.post("/v1/locations", json=_example(doc, "post", "/v1/locations"))
    assert opened.status_code == 201, opened.text
    path = f"/v1/locations/{opened.json()['location_id']}"
    updated = await api.patch(path, json=_example(doc, "patch", "/v1/locations/{location_id}"))
    assert updated.status_code == 200, updated.text


async def test_the_identity_examples_register_and_sign_in(api, doc):
    registered = await api.post(
        "/v1/auth/register", json=_example(doc, "post", "/v1/auth/register")
    )
    assert registered.status_code == 201, registered.text
    signed_in = await api.post("/v1/auth/token", json=_example(doc, "post", "/v1/auth/token"))
    assert signed_in.status_code == 200, signed_in.text


async def _account(api: httpx.AsyncClient) -> tuple[str, str]:
    email, password = f"swagger-{uuid.uuid4().hex[:8]}@example.org", "correct horse battery"
    resp = await api.post(
        "/v1/auth/register", json={"email": email, "password": password, "name": "Swagger"}
    )
    assert resp.status_code == 201, resp.text
    return email, password


async def test_the_declared_oauth2_password_flow_signs_in_with_a_form(api, doc):
    email, password = await _account(api)
    flow = doc["components"]["securitySchemes"]["OAuth2Password"]["flows"]["password"]
    form = {"grant_type": "password", "username": email, "password": password}

    resp = await api.post(flow["tokenUrl"], data=form, headers={"Authorization": ""})

    assert resp.status_code == 200, resp.text
    assert resp.json()["token_type"] == "bearer"
    assert resp.headers["cache-control"] == "no-store"
    me = await api.get("/v1/auth/me", headers=bearer(resp.json()["access_token"]))
    assert (me.status_code, me.json()["email"]) == (200, email)


async def test_the_form_sign_in_refuses_a_wrong_password_like_the_json_one(api, doc):
    email, _ = await _account(api)
    form = {"username": email, "password": "not the password"}
    by_form = await api.post("/v1/auth/token/form", data=form)
    by_json = await api.post("/v1/auth/token", json={"email": email, "password": form["password"]})
    assert by_form.status_code == by_json.status_code == 401
    assert by_form.json() == by_json.json()


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (
            {"grant_type": "client_credentials", "username": "a@b.org", "password": "x" * 9},
            "grant_type",
        ),
        ({"username": "a@b.org"}, "password"),
    ],
)
async def test_the_form_sign_in_answers_a_bad_form_with_a_422_problem(api, form, field):
    resp = await api.post("/v1/auth/token/form", data=form)
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"] == "application/problem+json"
    assert field in {e["field"] for e in resp.json()["errors"]}


async def test_every_bearer_operation_also_offers_the_password_flow(doc):
    for op in _all(doc):
        security = op.spec.get("security", [])
        if {"HTTPBearer": []} in security:
            assert {"OAuth2Password": []} in security, op


async def test_json_sign_in_still_works(api):
    email, password = await _account(api)
    resp = await api.post("/v1/auth/token", json={"email": email, "password": password})
    assert resp.status_code == 200, resp.text
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+", resp.json()["access_token"])


def test_every_create_links_to_the_operations_on_what_it_created(doc):
    creates = [op for op in _all(doc) if "201" in op.spec["responses"]]
    assert len(creates) >= 7
    for op in creates:
        links = op.spec["responses"]["201"].get("links")
        assert links, op
        for name, found in links.items():
            method, path = _target(found["operationRef"])
            target = doc["paths"][path][method]
            path_params = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
            assert path_params <= set(found.get("parameters", {})), (op, name)
            fields = found.get("parameters", {}) | found.get("requestBody", {})
            produced = op.spec["responses"]["201"]["content"]["application/json"]["schema"]
            properties = resolve(doc, produced)["properties"]
            for expression in fields.values():
                assert expression.removeprefix("$response.body#/") in properties, (op, name)


def _target(operation_ref: str) -> tuple[str, str]:
    pointer, method = operation_ref.removeprefix("#/paths/").rsplit("/", 1)
    return method, pointer.replace("~1", "/").replace("~0", "~")
