"""Schemathesis hooks for the stateful run (loaded through SCHEMATHESIS_HOOKS): each
vehicle it registers gets a fresh VIN and plate. Hypothesis favours the smallest valid
value ("00000000000000000"), so without this nearly every registration after the first
is a 409 and the run rarely reaches a vehicle to act on."""

from __future__ import annotations

import uuid
from typing import Any

import schemathesis

VIN_ALPHABET = "0123456789ABCDEFGHJKLMNPRSTUVWXYZ"  # ISO 3779: no I, O or Q


def fresh(length: int) -> str:
    """`length` characters of VIN_ALPHABET that no earlier call returned (122 random bits)."""
    number, chars = uuid.uuid4().int, []
    for _ in range(length):
        number, digit = divmod(number, len(VIN_ALPHABET))
        chars.append(VIN_ALPHABET[digit])
    return "".join(chars)


@schemathesis.hook("map_body").apply_to(path="/v1/vehicles", method="POST")
def unique_vin_and_plate(context: Any, body: Any) -> Any:
    if isinstance(body, dict):
        if isinstance(body.get("vin"), str):
            body["vin"] = fresh(17)
        if isinstance(body.get("plate"), str):
            body["plate"] = fresh(12)
    return body
