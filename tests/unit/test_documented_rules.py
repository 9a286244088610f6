"""The rules the OpenAPI document states are the domain's own: whatever a client (or a
contract-driven fuzzer) builds from the document, the domain accepts, and back."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from command_service.api.auth_schemas import Credentials
from command_service.api.schemas import RegisterVehicleBody
from command_service.domain import rules
from command_service.domain.errors import InvalidCommandError
from command_service.identity.emails import normalise_email

VEHICLE = RegisterVehicleBody.model_json_schema()["properties"]


def _documented(field: str) -> str:
    return str(VEHICLE[field]["pattern"])


@given(st.from_regex(_documented("vin"), fullmatch=True))
@settings(max_examples=200)
def test_every_vin_the_document_allows_is_accepted(vin: str) -> None:
    assert rules.check_vin(vin) == vin.upper()


@given(st.from_regex(_documented("plate"), fullmatch=True).filter(lambda p: len(p) <= 12))
@settings(max_examples=200)
def test_every_plate_the_document_allows_is_accepted(plate: str) -> None:
    assert rules.check_plate(plate)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("vin", "1HGCM82633A00435I"),
        ("vin", "1HGCM82633A00435"),
        ("vin", "1HGCM82633A00435-"),
        ("plate", "!!"),
        ("plate", "A-"),
        ("plate", "--"),
        ("currency", "eur"),
        ("currency", "E1R"),
    ],
)
def test_what_the_document_forbids_the_domain_refuses(field: str, value: str) -> None:
    assert not re.search(_documented(field), value)
    check = {"vin": rules.check_vin, "plate": rules.check_plate, "currency": rules.check_currency}
    with pytest.raises(InvalidCommandError):
        check[field](value)


def test_the_documented_ranges_are_the_domains() -> None:
    assert (VEHICLE["year"]["minimum"], VEHICLE["year"]["maximum"]) == (
        rules.MIN_YEAR,
        datetime.now(UTC).year + 1,
    )
    assert (VEHICLE["seats"]["minimum"], VEHICLE["seats"]["maximum"]) == (1, rules.MAX_SEATS)


EMAIL = Credentials.model_json_schema()["properties"]["email"]["pattern"]


# The document's pattern is of a normalised address: ASCII stays as it is under NFKC.
@given(st.from_regex(EMAIL, fullmatch=True, alphabet=st.characters(codec="ascii")))
@settings(max_examples=200)
def test_every_email_shape_the_document_allows_is_accepted(email: str) -> None:
    if len(email) <= 254 and email.isprintable():
        assert normalise_email(email)
