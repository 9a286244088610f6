"""Inconsistent terms posted to an API answer 422 problem+json naming the field."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from shared.kit.http.problems import install_common_handlers
from shared.pricing.terms import PricingTerms
from tests.unit.pricing.policies import NIGHT, RATES, SUMMER


def _app() -> FastAPI:
    """The smallest app that takes terms as its body, with the services' error handlers."""
    app = FastAPI()
    install_common_handlers(app)

    @app.post("/terms")
    async def accept(terms: PricingTerms) -> dict[str, str]:
        return {"name": terms.name}

    return app


async def _post(body: dict[str, Any]) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://loopback") as client:
        return await client.post("/terms", json=body)


BODY = {"name": "Summer fleet", "currency": "EUR", "rates": RATES, "timezone": "Europe/Berlin"}


async def test_overlapping_seasons_answer_422_naming_the_field() -> None:
    june = {"start": "2026-06-15", "end": "2026-07-15", "multiplier": 1.1}
    response = await _post(BODY | {"seasons": [SUMMER, june]})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "seasons",
            "message": "seasons 2026-06-15..2026-07-15 and 2026-07-01..2026-08-31 overlap",
            "type": "overlapping_seasons",
        }
    ]


async def test_a_wrapping_night_over_another_rule_answers_422() -> None:
    early = {"weekdays": [6], "start_time": "05:00", "end_time": "08:00", "multiplier": 1.1}
    response = await _post(BODY | {"time_of_day": [NIGHT, early]})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "time_of_day"


async def test_consistent_terms_are_accepted() -> None:
    response = await _post(BODY | {"seasons": [SUMMER], "time_of_day": [NIGHT]})
    assert response.status_code == 200
