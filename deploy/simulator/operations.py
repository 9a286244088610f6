"""What the fleet manager does: maintenance windows, status outages, rate changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from deploy.simulator import behaviour as bh
from deploy.simulator.planner import Planner, iso
from deploy.simulator.world import MANAGER, Action, SimVehicle

SERVICE_KM = 15_000  # past this since the last service, a window gets planned soon
OUTAGES = (("maintenance", "unscheduled repair"), ("inactive", "cleaning and inspection"))


def operations(planner: Planner, now: datetime) -> list[Action]:
    """The manager's commands for this step, vehicle by vehicle."""
    config, rng = planner.config, planner.rng
    step_days = bh.STEP / timedelta(days=1)
    actions: list[Action] = []
    for vehicle in planner.world.vehicles:
        if not vehicle.vehicle_id:
            continue
        due = 20.0 if vehicle.km_since_service > SERVICE_KM else 1.0
        if rng.random() < config.maintenance_per_vehicle_day * step_days * due:
            actions.extend(_schedule_maintenance(planner, vehicle, now))
        if rng.random() < config.outages_per_vehicle_day * step_days:
            actions.extend(_outage(planner, vehicle, now))
        if rng.random() < config.rate_changes_per_vehicle_day * step_days:
            actions.append(_change_rates(planner, vehicle))
    return actions


def _schedule_maintenance(planner: Planner, vehicle: SimVehicle, now: datetime) -> list[Action]:
    rng = planner.rng
    day = (now + timedelta(days=rng.randint(1, 3))).replace(hour=0, minute=0, second=0)
    start = day.replace(microsecond=0) + timedelta(hours=rng.randint(7, 12))
    end = start + timedelta(hours=rng.randint(2, 10))
    done_at = start + (end - start) * rng.uniform(0.5, 1.0)
    if not vehicle.free(start, end):
        return []
    reason = rng.choice(("annual service", "tyre change", "brake inspection", "oil service"))
    seq = planner.world.seq_peek()

    def done(status: int, answer: dict[str, Any]) -> None:
        if status == 201:
            maintenance_id = str(answer["maintenance_id"])
            planner.world.name(maintenance_id, f"m{seq}")
            vehicle.blocks[f"m{seq}"] = (start, end)
            planner.world.later(
                done_at, seq, lambda at: [_complete(planner, vehicle, maintenance_id, f"m{seq}")]
            )

    body = {"start": iso(start), "end": iso(end), "reason": reason}
    path = f"/v1/vehicles/{vehicle.vehicle_id}/maintenance"
    return [planner.action("schedule_maintenance", vehicle, MANAGER, path, body, done)]


def _complete(planner: Planner, vehicle: SimVehicle, maintenance_id: str, label: str) -> Action:
    def done(status: int, answer: dict[str, Any]) -> None:
        if status == 200:
            vehicle.km_since_service = 0
            vehicle.blocks.pop(label, None)

    body = {"odometer_km": vehicle.odometer_km}
    path = f"/v1/maintenance/{maintenance_id}/complete"
    return planner.action("complete_maintenance", vehicle, MANAGER, path, body, done)


def _outage(planner: Planner, vehicle: SimVehicle, now: datetime) -> list[Action]:
    """Out of service for a few hours, but only while no booking needs the car."""
    status, reason = planner.rng.choice(OUTAGES)
    back = now + timedelta(hours=planner.rng.randint(2, 12))
    if vehicle.status != "available" or vehicle.trip_running or not vehicle.free(now, back):
        return []
    vehicle.status = status  # planned: customers stop picking it from now on
    vehicle.blocks["outage"] = (now, back)
    seq = planner.world.seq_peek()

    def done(code: int, _: dict[str, Any]) -> None:
        if code == 200:
            planner.world.later(back, seq, lambda at: [_back(planner, vehicle)])
        else:
            vehicle.status = "available"
            vehicle.blocks.pop("outage", None)

    body = {"status": status, "reason": reason}
    path = f"/v1/vehicles/{vehicle.vehicle_id}/status"
    return [planner.action("change_status", vehicle, MANAGER, path, body, done)]


def _back(planner: Planner, vehicle: SimVehicle) -> Action:
    def done(code: int, _: dict[str, Any]) -> None:
        vehicle.status = "available"
        vehicle.blocks.pop("outage", None)

    body = {"status": "available", "reason": "back in service"}
    path = f"/v1/vehicles/{vehicle.vehicle_id}/status"
    return planner.action("change_status", vehicle, MANAGER, path, body, done)


def _change_rates(planner: Planner, vehicle: SimVehicle) -> Action:
    factor = planner.rng.choice((0.9, 0.95, 1.05, 1.1))
    hourly = max(100, round(vehicle.spec.hourly_rate_cents * factor, -1))
    daily = max(hourly, round(vehicle.spec.daily_rate_cents * factor, -2))
    body = {"hourly_rate_cents": int(hourly), "daily_rate_cents": int(daily)}
    path = f"/v1/vehicles/{vehicle.vehicle_id}"
    return planner.action(
        "update_vehicle", vehicle, MANAGER, path, body, lambda *_: None, method="PATCH"
    )
