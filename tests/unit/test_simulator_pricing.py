"""The demo fleet's price list and how simulated customers answer a price."""

from __future__ import annotations

import random
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest

from deploy.simulator import behaviour as bh
from deploy.simulator import quoting
from deploy.simulator.client import SimulatorError
from deploy.simulator.config import SimConfig
from deploy.simulator.fleet import CATALOG, RATES, make_fleet
from deploy.simulator.price_list import body_of, idempotency_key, list_price, price_list
from deploy.simulator.progress import summary_json
from deploy.simulator.quoting import Wish
from deploy.simulator.runner import simulate
from deploy.simulator.world import Customer, QuoteSeen, SimVehicle
from shared.pricing.engine import price_window
from shared.pricing.priced import PolicyVersion
from tests.unit.simulator_fake import FakeCommandApi

ALL_MODELS = {(make, model) for make, (_, _, ms) in CATALOG.items() for model, _, _ in ms}
CONFIG = SimConfig(
    seed=7, vehicles=40, customers=60, days=2, url="http://fake", auth=False, progress=False
)


def test_at_the_list_price_most_customers_book() -> None:
    assert bh.acceptance(1.0) == pytest.approx(0.85)


def test_a_surge_loses_customers_markedly_and_a_discount_wins_a_few() -> None:
    assert bh.acceptance(1.25) == pytest.approx(0.85 / 1.25**2)  # 0.544
    assert bh.acceptance(1.5) == pytest.approx(0.85 / 1.5**2)  # 0.378
    assert bh.acceptance(0.9) == pytest.approx(0.85 / 0.9)  # 0.944
    assert bh.acceptance(0.5) == bh.ACCEPT_MAX  # some walk away whatever the price


def test_acceptance_never_rises_with_the_price() -> None:
    ratios = [Fraction(n, 100) for n in range(30, 400)]
    chances = [bh.acceptance(float(r)) for r in ratios]
    assert chances == sorted(chances, reverse=True)
    assert all(0 < c <= bh.ACCEPT_MAX for c in chances)


def test_seeded_customers_walk_away_far_more_often_at_a_surge() -> None:
    def accepted(ratio: float, seed: int) -> int:
        rng = random.Random(seed)
        return sum(rng.random() < bh.acceptance(ratio) for _ in range(2000))

    assert accepted(1.5, 1) == accepted(1.5, 1)  # same seed, same customers
    assert accepted(1.5, 1) < 900 < 1600 < accepted(1.0, 1) < accepted(0.9, 1)


def test_the_price_list_is_the_same_for_every_seed_and_run() -> None:
    first = price_list(ALL_MODELS, 2030)
    again = price_list(set(ALL_MODELS), 2030)
    assert [body_of(t) for t in first.values()] == [body_of(t) for t in again.values()]
    keys = [idempotency_key(body_of(t)) for t in first.values()]
    assert len(set(keys)) == len(ALL_MODELS) == len(first)


def test_each_model_gets_rates_seasons_rush_hours_demand_extras_and_a_deposit() -> None:
    categories = {(make, m): c for make, (_, _, ms) in CATALOG.items() for m, _, c in ms}
    for (make, model), terms in price_list(ALL_MODELS, 2030).items():
        assert (terms.applies_to.make, terms.applies_to.model) == (make, model)
        (low, high), _ = RATES[categories[make, model]]
        rates = terms.rates
        assert low <= rates.hourly_cents <= high
        assert rates.weekly_cents is not None and rates.weekly_cents < 7 * rates.daily_cents
        assert {s.name for s in terms.seasons} == {"Summer", "Winter", "Late autumn", "Holidays"}
        assert {s.start.year for s in terms.seasons} == {2030, 2031}
        assert {r.name for r in terms.time_of_day} == {"Rush hour", "Weekend"}
        tiers = [(t.min_utilization, t.multiplier) for t in terms.demand]
        assert tiers == [(0.0, 0.9), (0.2, 1.0), (0.5, 1.25), (0.75, 1.5)]
        assert [e.code for e in terms.extras] == ["child-seat", "additional-driver"]
        assert terms.deposit_cents > 0 and terms.timezone == "Europe/Berlin"


def test_only_the_fleets_models_are_priced_and_a_later_year_outranks_an_earlier() -> None:
    golf = price_list({("Volkswagen", "Golf")}, 2030)
    assert list(golf) == [("Volkswagen", "Golf")]
    later = price_list({("Volkswagen", "Golf")}, 2031)
    assert later["Volkswagen", "Golf"].priority > golf["Volkswagen", "Golf"].priority
    assert idempotency_key(body_of(later["Volkswagen", "Golf"])) != idempotency_key(
        body_of(golf["Volkswagen", "Golf"])
    )


def test_the_list_price_leaves_out_every_multiplier_but_keeps_the_extras() -> None:
    terms = price_list({("Volkswagen", "Golf")}, 2030)["Volkswagen", "Golf"]
    # Monday 2030-07-01, 07:00-10:00 Berlin time: summer, two hours of rush hour.
    start, end = datetime(2030, 7, 1, 5, tzinfo=UTC), datetime(2030, 7, 1, 8, tzinfo=UTC)
    listed = list_price(terms, start, end, ["child-seat"])
    assert listed == 3 * terms.rates.hourly_cents + 600
    policy = PolicyVersion(uuid.uuid4(), 1, uuid.uuid4(), terms)
    surge = price_window(
        policy, start, end, booked_hours=9, capacity_hours=10, extras=["child-seat"]
    )
    base = 3 * terms.rates.hourly_cents
    expected = round(base * 1.2 * (1.15 * 2 + 1) / 3 * 1.5) + 600
    assert abs(surge.price_cents - expected) <= 1
    assert surge.price_cents / listed > 1.5


async def test_customers_quote_first_and_book_only_what_they_accepted() -> None:
    fake = FakeCommandApi()
    report = await simulate(CONFIG, transport=fake.transport())
    outcomes = report.outcomes
    asked = outcomes["quotes_asked"]
    taken = outcomes["quotes_accepted"] + outcomes["quotes_walked_away"]
    assert asked == taken + outcomes["quotes_refused"] and outcomes["quotes_walked_away"] > 0
    accepted = {q.quote_id for q in report.quotes if q.accepted}
    named = [b["quote_id"] for m, p, b in fake.bodies if p in ("/v1/holds", "/v1/bookings")]
    assert named and set(named) <= accepted and len(named) == len(set(named))
    assert len(named) == outcomes["quotes_accepted"]
    extras = {quote_id: body.get("extras", []) for quote_id, body in fake.quoted.items()}
    assert any(extras.values())  # some customers add a child seat or a driver
    for _, path, body in fake.bodies:
        if path in ("/v1/holds", "/v1/bookings"):
            assert body.get("extras", []) == extras[body["quote_id"]]
    by_demand = summary_json(report)["quotes_by_demand"]
    assert by_demand["1.5"]["quotes"] > 0 and by_demand["0.9"]["quotes"] > 0


async def test_a_restart_on_the_same_state_replays_the_price_list() -> None:
    fake = FakeCommandApi()
    first = await simulate(replace(CONFIG, days=0.25), transport=fake.transport())
    models = {(make, model) for make, model in fake.models.values()}
    assert first.outcomes["policies_published"] == len(models) == len(fake.keys) > 5
    again = await simulate(replace(CONFIG, days=0.25), transport=fake.transport())
    assert again.outcomes["policies_replayed"] == len(models)
    assert "policies_published" not in again.outcomes and len(fake.keys) == len(models)


async def test_a_server_without_quotes_stops_the_simulator_with_a_clear_message() -> None:
    fake = FakeCommandApi(quotes=False)
    with pytest.raises(SimulatorError, match="POST /v1/quotes answered 404"):
        await simulate(replace(CONFIG, days=0.5), transport=fake.transport())


def test_a_customer_weighs_the_quote_against_the_list_price_of_the_same_window() -> None:
    prices = price_list({("Volkswagen", "Golf")}, 2030)
    spec = make_fleet(random.Random(1), random.Random(2), 1, 2030)[0]
    golf = SimVehicle(0, replace(spec, make="Volkswagen", model="Golf"), 0, "v-id")
    start = datetime(2030, 4, 9, 10, tzinfo=UTC)  # a Tuesday in April: no multiplier
    listed = list_price(prices["Volkswagen", "Golf"], start, start + timedelta(hours=2), [])

    def seen_at(price: int, roll: float) -> QuoteSeen:
        wish = Wish(
            Customer(0, "c0", "Berlin", ""), golf, start, start + timedelta(hours=2), [], roll
        )
        answer = {"quote_id": "q", "price_cents": price, "demand": {"multiplier": 1.5}}
        return quoting.seen(7, wish, answer, prices)

    surge = seen_at(listed * 3 // 2, roll=0.4)  # 0.38 < 0.4: walks away
    assert surge.list_cents == listed and surge.ratio == pytest.approx(1.5, abs=0.01)
    assert not surge.accepted and seen_at(listed * 3 // 2, roll=0.3).accepted
    assert seen_at(listed, roll=0.8).accepted and not seen_at(listed, roll=0.9).accepted
