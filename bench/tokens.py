"""Cost of access-token verification per request: `python -m bench.tokens`.

Measures shared.kit.auth.tokens.TokenVerifier exactly as both services run it: a first
sight of a token (header checks, Ed25519 signature, claims) and a repeat sight (the
per-process cache of verified tokens), in microseconds per request; then the repeat
sight again with the revocation check on, holding a busy quarter hour of revocations
(REVOKED_ACCOUNTS disabled or demoted accounts, REVOKED_SESSIONS sign-outs).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.kit.auth.revocations import Revocation, Revocations
from shared.kit.auth.tokens import ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE, TokenVerifier

TOKENS = 5_000
ROUNDS = 5
REVOKED_ACCOUNTS = 1_000
REVOKED_SESSIONS = 10_000


class _OneKey:
    def __init__(self, kid: str, key: Any) -> None:
        self._kid, self._key = kid, key

    async def key(self, kid: str) -> Any | None:
        return self._key if kid == self._kid else None


def _tokens(private: Ed25519PrivateKey, count: int) -> list[str]:
    now = int(time.time())
    return [
        jwt.encode(
            {
                "iss": ISSUER,
                "aud": AUDIENCE,
                "sub": str(uuid.uuid4()),
                "role": "customer",
                "iat": now,
                "nbf": now,
                "exp": now + 900,
                "jti": uuid.uuid4().hex,
                "sid": str(uuid.uuid4()),
                "gen": 0,
            },
            private,
            algorithm=ALGORITHM,
            headers={"kid": "bench", "typ": TOKEN_TYPE},
        )
        for _ in range(count)
    ]


async def _per_request_us(verifier: TokenVerifier, tokens: list[str]) -> float:
    started = time.perf_counter()
    for token in tokens:
        await verifier.verify(token)
    return (time.perf_counter() - started) / len(tokens) * 1e6


async def _busy_revocations() -> Revocations:
    """A revocation list as a busy quarter hour leaves it (none names the bench tokens)."""
    expires = time.time() + 900
    rows = [Revocation(n, "account", uuid.uuid4(), 1, expires) for n in range(REVOKED_ACCOUNTS)] + [
        Revocation(n, "session", uuid.uuid4(), 0, expires) for n in range(REVOKED_SESSIONS)
    ]

    async def fetch(after: int) -> tuple[list[Revocation], int]:
        return (rows, 1) if after == 0 else ([], after)

    revocations = Revocations(fetch)
    await revocations.poll()
    return revocations


async def main() -> int:
    private = Ed25519PrivateKey.generate()
    revocations = await _busy_revocations()
    first, repeat, checked = [], [], []
    for _ in range(ROUNDS):
        tokens = _tokens(private, TOKENS)
        verifier = TokenVerifier(_OneKey("bench", private.public_key()))
        first.append(await _per_request_us(verifier, tokens))
        repeat.append(await _per_request_us(verifier, tokens))
        verifier.revocations = revocations
        checked.append(await _per_request_us(verifier, tokens))
    sys.stdout.write(
        f"token verification, {TOKENS} distinct tokens x {ROUNDS} rounds (median of rounds):\n"
        f"  first sight (EdDSA signature + claims): {statistics.median(first):.1f} us/request\n"
        f"  repeat sight (verified-token cache):    {statistics.median(repeat):.2f} us/request\n"
        f"  repeat sight + revocation check:        {statistics.median(checked):.2f} us/request\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
