"""Another customer's booking, hold or trip id answers exactly what an unknown id answers.

API.md: another customer's id answers 404, never 403, with the body of a truly unknown
id, so that an answer never confirms that a record exists. The operations come from the
services' own OpenAPI documents (every one that names a hold, booking or trip id in its
path or JSON body), so a new endpoint is covered without editing this file.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.openapi_ops import Operation, operations
from tests.security.support import Person, Projection
from tests.security.test_customer_reads import Records, records_of

# The id fields a customer's record is named by, and the collection they belong to.
ID_FIELDS = {"hold_id": "holds", "booking_id": "bookings", "trip_id": "trips"}
# What discovery must find at least (a guard against a discovery that finds nothing).
KNOWN = {
    "command": {
        "POST /v1/holds/{hold_id}/confirm",
        "POST /v1/holds/{hold_id}/release",
        "POST /v1/bookings/{booking_id}/cancel",
        "POST /v1/trips",
        "POST /v1/trips/{trip_id}/end",
    },
    "query": {
        "GET /v1/bookings/{booking_id}",
        "GET /v1/trips/{trip_id}",
        "GET /v1/holds/{hold_id}",
    },
}


@dataclass(frozen=True)
class Addressed:
    """An operation and the id field through which it names a customer's record."""

    operation: Operation
    field: str
    in_path: bool

    def request(self, entity_id: str) -> dict[str, Any]:
        """httpx.request keyword arguments naming `entity_id`."""
        op = self.operation
        path = op.path.replace("{" + self.field + "}", entity_id)
        body = op.example_body()
        if body is not None and not self.in_path:
            body[self.field] = entity_id
        return {"method": op.method.upper(), "url": path, "json": body}


def addressed(doc: dict[str, Any]) -> list[Addressed]:
    found = []
    for op in operations(doc):
        body = op.body_schema or {}
        for field in ID_FIELDS:
            if field in op.path_params:
                found.append(Addressed(op, field, in_path=True))
            elif field in body.get("required", []):
                found.append(Addressed(op, field, in_path=False))
    return found


def normalized(response: httpx.Response, entity_id: str) -> tuple[int, str, str]:
    """Status, content type and body with the requested id blanked out."""
    body = response.text.replace(entity_id, "<id>")
    return response.status_code, response.headers["content-type"], body


async def compare(
    client: httpx.AsyncClient, target: Addressed, theirs: str, headers: dict[str, str]
) -> str | None:
    """Why another customer's id and an unknown id answer differently, or None."""
    unknown = str(uuid.uuid4())
    answers = []
    for entity_id in (theirs, unknown):
        sent = {**headers}
        if "idempotency-key" in {h.lower() for h in headers}:
            sent["Idempotency-Key"] = f"foreign-{uuid.uuid4()}"
        resp = await client.request(**target.request(entity_id), headers=sent)
        answers.append(normalized(resp, entity_id))
        if sent.get("Idempotency-Key"):  # the replay must look alike too
            again = await client.request(**target.request(entity_id), headers=sent)
            answers[-1] += (*normalized(again, entity_id), again.headers.get("idempotent-replayed"))
    if answers[0] != answers[1] or answers[1][0] != 404:
        return f"{target.operation} via {target.field}: {answers[0]} != {answers[1]}"
    return None


@pytest.fixture(scope="module")
async def records(command, alice, manager, projection: Projection) -> Records:
    """Alice's booking (on a running trip) and hold, projected for the query service."""
    mine = await records_of(command, alice, manager)
    await projection.catch_up()
    return mine


@pytest.fixture(scope="module")
async def documents(command, query) -> dict[str, tuple[httpx.AsyncClient, dict[str, Any]]]:
    docs = {}
    for name, client in (("command", command), ("query", query)):
        resp = await client.get("/openapi.json")
        assert resp.status_code == 200, resp.text
        docs[name] = (client, resp.json())
    return docs


@pytest.mark.parametrize("service", ["command", "query"])
def test_discovery_finds_every_operation_known_to_take_a_customers_record(documents, service):
    found = {str(a.operation) for a in addressed(documents[service][1])}
    assert KNOWN[service] <= found, KNOWN[service] - found


HEADER_SETS = {
    "plain": {},
    "with an Idempotency-Key": {"Idempotency-Key": "set per request"},
    "with a stale If-Match": {"If-Match": '"1"'},
}


CASES = [("command", variant) for variant in HEADER_SETS] + [("query", "plain")]


@pytest.mark.parametrize(("service", "variant"), CASES, ids=[f"{s} {v}" for s, v in CASES])
async def test_another_customers_id_answers_exactly_like_an_unknown_id(
    documents, records: Records, bob: Person, service: str, variant: str
):
    client, doc = documents[service]
    headers = {**bob.auth, **HEADER_SETS[variant]}
    targets = addressed(doc)
    differences = [
        why
        for target in targets
        if (why := await compare(client, target, records.ids[ID_FIELDS[target.field]], headers))
    ]
    assert targets and not differences, "\n".join(differences)


async def test_the_owner_still_gets_their_own_record(documents, records: Records, alice: Person):
    client, _ = documents["query"]
    for collection, entity_id in records.ids.items():
        resp = await client.get(f"/v1/{collection}/{entity_id}", headers=alice.auth)
        assert resp.status_code == 200, resp.text
