"""Turns simulated time into commands: customers' holds, bookings, cancellations and trips.

All randomness is drawn while planning, in plan order, never in the callbacks that read
the answers (those run in whatever order the server answers). Commands on one vehicle
run in plan order, and a vehicle's decisions depend only on its own stream and the
frozen simulated now, so the same seed and start give the same commands.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from deploy.simulator import behaviour as bh
from deploy.simulator import quoting
from deploy.simulator.config import SimConfig
from deploy.simulator.quoting import Wish
from deploy.simulator.world import (
    MANAGER,
    Action,
    Booking,
    Customer,
    QuoteSeen,
    Result,
    SimVehicle,
    World,
)

TRIP_GRACE = timedelta(minutes=15)
PURPOSES = (None, None, "business", "leisure", "airport transfer", "moving house", "family visit")


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Planner:
    """Plans the commands of each simulated step against the simulator's world."""

    def __init__(self, world: World, rng: random.Random, config: SimConfig) -> None:
        self.world, self.rng, self.config = world, rng, config
        self._by_city: dict[str, list[SimVehicle]] = {}
        for vehicle in world.vehicles:
            self._by_city.setdefault(vehicle.spec.city, []).append(vehicle)

    def action(
        self,
        kind: str,
        vehicle: SimVehicle,
        actor: str,
        path: str,
        body: dict[str, Any] | None,
        on_result: Result,
        method: str = "POST",
    ) -> Action:
        """A planned command, recorded in the command log."""
        planned = Action(
            self.world.next_seq(), kind, vehicle.index, actor, method, path, body, on_result
        )
        self.world.record(planned)
        return planned

    def registrations(self) -> list[Action]:
        return [self._register(v) for v in self.world.vehicles]

    def _register(self, vehicle: SimVehicle) -> Action:
        def done(status: int, body: dict[str, Any]) -> None:
            if status == 201:
                vehicle.vehicle_id = str(body["vehicle_id"])
                self.world.name(vehicle.vehicle_id, f"v{vehicle.index}")

        return self.action(
            "register_vehicle", vehicle, MANAGER, "/v1/vehicles", vehicle.spec.body(), done
        )

    def follow_ups(self, now: datetime) -> list[Action]:
        """Confirmations, releases, cancellations, trips and completions due by now."""
        return [action for make in self.world.due(now) for action in make(now)]

    def customer_requests(self, now: datetime) -> list[Action]:
        """New holds and bookings: a Poisson number of attempts shaped by hour and weekday."""
        step_days = bh.STEP / timedelta(days=1)
        rate = self.config.bookings_per_customer_day * len(self.world.customers) * step_days
        actions = []
        for _ in range(bh.poisson(self.rng, rate * bh.demand(now))):
            actions.extend(self._attempt(now))
        return actions

    def _attempt(self, now: datetime) -> list[Action]:
        customer = self.rng.choice(self.world.customers)
        start, end = bh.booking_window(self.rng, now)
        vehicle = self._pick_vehicle(customer, start, end)
        if vehicle is None:
            self.world.outcomes["no_vehicle_free"] += 1
            return []
        hold = start - now >= timedelta(hours=2) and self.rng.random() < self.config.hold_share
        wish = Wish(customer, vehicle, start, end, bh.extras_wanted(self.rng), self.rng.random())
        return [self._ask_quote(now, wish, hold)]

    def _ask_quote(self, now: datetime, wish: Wish, hold: bool) -> Action:
        """POST /v1/quotes; a customer whom the price suits books (or holds) in this step."""
        seq = self.world.seq_peek()

        def done(status: int, answer: dict[str, Any]) -> None:
            if status != 201:  # not available (409): nothing to decide
                quoting.refused(self.world.outcomes, status, answer)
                return
            quote = quoting.seen(seq, wish, answer, self.world.prices)
            self.world.quotes[seq] = quote
            quoting.counted(self.world.outcomes, quote)
            if quote.accepted:
                self.world.go_ahead(seq, lambda at: [self._decided(at, wish, hold, quote)])

        body = quoting.quote_body(wish, iso)
        name = wish.customer.name
        return self.action("quote", wish.vehicle, name, "/v1/quotes", body, done)

    def _decided(self, now: datetime, wish: Wish, hold: bool, quote: QuoteSeen) -> Action:
        self.world.name(quote.quote_id, f"q{quote.seq}")
        chosen = {"quote_id": quote.quote_id} | ({"extras": wish.extras} if wish.extras else {})
        args = (now, wish.customer, wish.vehicle, wish.start, wish.end, chosen)
        return self._place_hold(*args) if hold else self._book(*args)

    def decided(self, now: datetime) -> list[Action]:
        """The holds and bookings of customers who accepted their quote this step."""
        return [action for make in self.world.take_decided() for action in make(now)]

    def _pick_vehicle(
        self, customer: Customer, start: datetime, end: datetime
    ) -> SimVehicle | None:
        """Most customers look at availability first; some insist on a car they like."""
        seats = 7 if self.rng.random() < 0.08 else 1
        nearby = self._by_city.get(customer.city) or self.world.vehicles
        fitting = [
            v for v in nearby if v.vehicle_id and v.spec.seats >= seats and v.status == "available"
        ]
        if not fitting:
            return None
        candidates = self.rng.sample(fitting, min(8, len(fitting)))
        if self.rng.random() < 0.2:
            return candidates[0]  # no availability check: may well meet a 409
        return next((v for v in candidates if v.free(start, end)), None)

    def _window_body(
        self,
        customer: Customer,
        vehicle: SimVehicle,
        start: datetime,
        end: datetime,
        quoted: dict[str, Any],
    ) -> dict[str, Any]:
        """The window, the quote it takes the price of and its extras."""
        body: dict[str, Any] = {"vehicle_id": vehicle.vehicle_id, "start": iso(start)}
        body |= {"end": iso(end)} | quoted
        if not self.config.auth:  # until identity: the body names the customer
            body["customer_id"] = customer.customer_id
        return body

    def _book(
        self,
        now: datetime,
        customer: Customer,
        vehicle: SimVehicle,
        start: datetime,
        end: datetime,
        quoted: dict[str, Any],
    ) -> Action:
        body = self._window_body(customer, vehicle, start, end, quoted)
        purpose = self.rng.choice(PURPOSES)
        if purpose:
            body["purpose"] = purpose
        booking = Booking("", vehicle.index, customer.index, start, end, bh.booking_fate(
            self.rng, now, start, end
        ))  # fmt: skip
        seq = self.world.seq_peek()

        def done(status: int, answer: dict[str, Any]) -> None:
            if status == 201:
                self._booked(booking, seq, answer)

        return self.action("book", vehicle, customer.name, "/v1/bookings", body, done)

    def _booked(self, booking: Booking, seq: int, answer: dict[str, Any]) -> None:
        """A confirmed booking: block the calendar, plan its fate."""
        booking.booking_id, booking.label = str(answer["booking_id"]), f"b{seq}"
        self.world.name(booking.booking_id, booking.label)
        self.world.vehicles[booking.vehicle].blocks[booking.label] = (booking.start, booking.end)
        self.world.outcomes["booked_cents"] += int(answer.get("price_cents", 0))
        fate = booking.fate
        if fate.kind == "cancel":
            self.world.later(fate.at, seq, lambda now: [self._cancel(booking)])
        elif fate.kind == "trip":
            self.world.later(fate.at, seq, lambda now: self._start_trip(now, booking))
        else:
            self.world.later(fate.at, seq, lambda now: self._no_show(booking))

    def _no_show(self, booking: Booking) -> list[Action]:
        self.world.outcomes["no_shows"] += 1
        return []

    def _place_hold(
        self,
        now: datetime,
        customer: Customer,
        vehicle: SimVehicle,
        start: datetime,
        end: datetime,
        quoted: dict[str, Any],
    ) -> Action:
        ttl, fate, act_at = bh.hold_plan(self.rng, now)
        body = self._window_body(customer, vehicle, start, end, quoted) | {"ttl_seconds": ttl}
        booking = Booking("", vehicle.index, customer.index, start, end, bh.booking_fate(
            self.rng, act_at, start, end
        ))  # fmt: skip
        seq = self.world.seq_peek()
        label = f"h{seq}"

        def done(status: int, answer: dict[str, Any]) -> None:
            if status != 201:
                return
            hold_id = str(answer["hold_id"])
            self.world.name(hold_id, label)
            vehicle.blocks[label] = (start, end)
            when = act_at if fate != "expire" else now + timedelta(seconds=ttl)
            self.world.later(when, seq, lambda at: self._resolve_hold(fate, hold_id, booking))

        return self.action("place_hold", vehicle, customer.name, "/v1/holds", body, done)

    def _resolve_hold(self, fate: str, hold_id: str, booking: Booking) -> list[Action]:
        vehicle = self.world.vehicles[booking.vehicle]
        label = self.world.labels[hold_id]
        customer = self.world.customers[booking.customer].name
        if fate == "expire":  # the customer walks away; the sweeper records the expiry
            vehicle.blocks.pop(label, None)
            self.world.outcomes["holds_left_to_expire"] += 1
            return []
        seq = self.world.seq_peek()

        def done(status: int, answer: dict[str, Any]) -> None:
            if status < 300:
                vehicle.blocks.pop(label, None)
                if fate == "confirm":
                    self._booked(booking, seq, answer)

        path = f"/v1/holds/{hold_id}/{fate}"
        return [self.action(f"{fate}_hold", vehicle, customer, path, None, done)]

    def _cancel(self, booking: Booking) -> Action:
        vehicle = self.world.vehicles[booking.vehicle]
        reason = self.rng.choice(("plans changed", "found another car", "trip cancelled"))

        def done(status: int, answer: dict[str, Any]) -> None:
            if status == 200:
                vehicle.blocks.pop(booking.label, None)
                self.world.outcomes["refund_cents"] += int(answer.get("refund_cents", 0))

        customer = self.world.customers[booking.customer].name
        path = f"/v1/bookings/{booking.booking_id}/cancel"
        return self.action("cancel_booking", vehicle, customer, path, {"reason": reason}, done)

    def _start_trip(self, now: datetime, booking: Booking) -> list[Action]:
        vehicle = self.world.vehicles[booking.vehicle]
        reading = vehicle.odometer_km + self.rng.randint(0, 2)  # the drive to the pick-up spot
        vehicle.odometer_km = reading  # planned readings only grow: safe even if refused
        booking.trip_attempts += 1
        seq = self.world.seq_peek()

        def done(status: int, answer: dict[str, Any]) -> None:
            if status == 201:
                booking.trip_id = str(answer["trip_id"])
                self.world.name(booking.trip_id, f"t{seq}")
                vehicle.trip_running = True
                until = booking.fate.until or booking.end
                self.world.later(until, seq, lambda at: [self._end_trip(booking, reading)])
            elif booking.trip_attempts < 3 and now + bh.STEP < booking.end + TRIP_GRACE:
                self.world.later(now + bh.STEP, seq, lambda at: self._start_trip(at, booking))
            else:
                self.world.outcomes["trips_never_started"] += 1

        body = {"booking_id": booking.booking_id, "odometer_km": reading}
        customer = self.world.customers[booking.customer].name
        return [self.action("start_trip", vehicle, customer, "/v1/trips", body, done)]

    def _end_trip(self, booking: Booking, start_reading: int) -> Action:
        vehicle = self.world.vehicles[booking.vehicle]
        reading = max(start_reading + booking.fate.km, vehicle.odometer_km)
        vehicle.odometer_km = reading

        def done(status: int, answer: dict[str, Any]) -> None:
            if status == 200:
                vehicle.trip_running = False
                vehicle.km_since_service += int(answer.get("distance_km", 0))
                vehicle.blocks.pop(booking.label, None)

        customer = self.world.customers[booking.customer].name
        path = f"/v1/trips/{booking.trip_id}/end"
        return self.action("end_trip", vehicle, customer, path, {"odometer_km": reading}, done)
