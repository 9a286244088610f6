"""Cost of access-token verification per request: `python -m bench.tokens`.

Measures shared.kit.auth.tokens.TokenVerifier exactly as both services run it: a first
sight of a token (header checks, Ed25519 signature, claims) and a repeat sight (the
per-process cache of verified tokens), in microseconds per request.
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

from shared.kit.auth.tokens import ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE, TokenVerifier

TOKENS = 5_000
ROUNDS = 5


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


async def main() -> int:
    private = Ed25519PrivateKey.generate()
    first, repeat = [], []
    for _ in range(ROUNDS):
        tokens = _tokens(private, TOKENS)
        verifier = TokenVerifier(_OneKey("bench", private.public_key()))
        first.append(await _per_request_us(verifier, tokens))
        repeat.append(await _per_request_us(verifier, tokens))
    sys.stdout.write(
        f"token verification, {TOKENS} distinct tokens x {ROUNDS} rounds (median of rounds):\n"
        f"  first sight (EdDSA signature + claims): {statistics.median(first):.1f} us/request\n"
        f"  repeat sight (verified-token cache):    {statistics.median(repeat):.2f} us/request\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
