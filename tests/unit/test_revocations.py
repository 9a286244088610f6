"""The in-memory revocation list every verifier checks, and the limits at the edge."""

from __future__ import annotations

import time
import uuid

from command_service.identity.throttle import MAX_DELAY_S, progressive_delay
from shared.kit.auth.revocations import Revocation, Revocations
from shared.kit.http.edge import MAX_HEADER_BYTES, MAX_HEADER_LINE_BYTES, examine_headers

USER, SESSION, OTHER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def row(seq: int, kind: str, subject: uuid.UUID, generation: int = 0, ttl_s: float = 900):
    return Revocation(seq, kind, subject, generation, time.time() + ttl_s)


async def held(*rows: Revocation, page: int = 2) -> Revocations:
    """A list that pulled `rows` from a feed answering `page` rows at a time."""

    async def fetch(after: int) -> tuple[list[Revocation], int]:
        found = [r for r in rows if r.seq > after][:page]
        return found, (found[-1].seq if found else after)

    revocations = Revocations(fetch)
    await revocations.poll()
    return revocations


async def test_refuses_tokens_below_the_accounts_generation_only():
    revocations = await held(row(1, "account", USER, generation=2))
    assert revocations.refuses(USER, 1, SESSION) is not None
    assert revocations.refuses(USER, 2, SESSION) is None
    assert revocations.refuses(OTHER, 0, SESSION) is None


async def test_refuses_every_token_of_a_signed_out_session():
    revocations = await held(row(1, "session", SESSION))
    assert revocations.refuses(USER, 5, SESSION) is not None
    assert revocations.refuses(USER, 5, OTHER) is None


async def test_a_later_lower_generation_does_not_lift_a_revocation():
    revocations = await held(row(1, "account", USER, 3), row(2, "account", USER, 1))
    assert revocations.refuses(USER, 2, SESSION) is not None


async def test_pulls_every_page_of_the_feed():
    rows = [row(n, "session", uuid.uuid4()) for n in range(1, 8)]
    revocations = await held(*rows, page=3)
    assert all(revocations.refuses(USER, 0, r.subject) for r in rows)


async def test_drops_rows_no_token_can_need_any_more():
    revocations = await held(row(1, "session", SESSION, ttl_s=-1))
    assert revocations.refuses(USER, 0, SESSION) is None
    assert revocations.status()["sessions"] == 0


def test_progressive_delay_starts_at_the_threshold_and_is_capped():
    assert progressive_delay(9, 10) == 0.0
    assert 0 < progressive_delay(10, 10) < progressive_delay(11, 10)
    assert progressive_delay(10_000, 10) == MAX_DELAY_S


def test_header_limits_per_line_and_in_total():
    assert examine_headers([(b"x-a", b"a" * (MAX_HEADER_LINE_BYTES - 100))]) == (None, False)
    assert examine_headers([(b"x-a", b"a" * MAX_HEADER_LINE_BYTES)])[0] is not None
    many = [(b"x-%d" % n, b"b" * 1000) for n in range(MAX_HEADER_BYTES // 1000 + 1)]
    assert examine_headers(many)[0] is not None


def test_a_request_with_an_authorization_header_counts_as_credentialed():
    assert examine_headers([(b"host", b"x"), (b"authorization", b"Bearer t")]) == (None, True)
