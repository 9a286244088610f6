"""Access tokens an attacker could build: forged, tampered, expired or mis-addressed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_der_private_key,
)

from shared.kit.auth.tokens import ALGORITHM, AUDIENCE, ISSUER, TOKEN_TYPE


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def claims(role: str = "admin", sub: uuid.UUID | None = None, **changes: Any) -> dict[str, Any]:
    """The claims the command service puts in an access token, with `changes` applied."""
    now = int(time.time())
    base = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": str(sub or uuid.uuid4()),
        "role": role,
        "iat": now,
        "nbf": now,
        "exp": now + 900,
        "jti": uuid.uuid4().hex,
        "sid": str(uuid.uuid4()),
        "gen": 0,
    }
    merged = {**base, **changes}
    return {k: v for k, v in merged.items() if v is not None}


def private_key(der: bytes) -> Ed25519PrivateKey:
    key = load_der_private_key(der, password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def signed(payload: dict[str, Any], key: Ed25519PrivateKey, kid: str, **header: Any) -> str:
    """An EdDSA token; `header` entries set to None are left out."""
    headers = {k: v for k, v in {"kid": kid, "typ": TOKEN_TYPE, **header}.items() if v}
    return jwt.encode(payload, key, algorithm=ALGORITHM, headers=headers)


def unsigned(payload: dict[str, Any], kid: str) -> str:
    """`alg: none`: a header, a payload and an empty signature."""
    header = {"alg": "none", "typ": TOKEN_TYPE, "kid": kid}
    return f"{_segment(header)}.{_segment(payload)}."


def hmac_signed(payload: dict[str, Any], kid: str, secret: bytes) -> str:
    """Algorithm confusion: HS256 keyed with public key material."""
    signing_input = f"{_segment({'alg': 'HS256', 'typ': TOKEN_TYPE, 'kid': kid})}."
    signing_input += _segment(payload)
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def public_key_secrets(key: Ed25519PrivateKey) -> dict[str, bytes]:
    """The public half in every form a confused verifier might use as an HMAC secret."""
    public = key.public_key()
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {
        "raw": raw,
        "pem": public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo),
        "jwk-x": b64(raw).encode(),
    }


def with_payload(token: str, **changes: Any) -> str:
    """`token` with claims changed and its original signature kept."""
    header, payload, signature = token.split(".")
    body = json.loads(unb64(payload))
    return f"{header}.{_segment({**body, **changes})}.{signature}"


def with_flipped_signature(token: str) -> str:
    """`token` with the first signature byte changed (the last base64 char may be padding)."""
    header, payload, signature = token.split(".")
    raw = bytearray(unb64(signature))
    raw[0] ^= 0x01
    return f"{header}.{payload}.{b64(bytes(raw))}"


def _segment(obj: dict[str, Any]) -> str:
    return b64(json.dumps(obj, separators=(",", ":")).encode())
