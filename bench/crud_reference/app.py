"""BENCHMARK BASELINE — not part of Fleetledger: the row-lock CRUD reference service.

Serves the three requests the side-by-side scenarios send, on Fleetledger's paths and
bodies: POST /v1/vehicles, POST /v1/bookings (201 or 409 on overlap), GET
/v1/availability (first page of free vehicles). It ignores the Authorization header.
Started with `uvicorn --factory bench.crud_reference.app:create_orm_app` (SQLAlchemy's
ORM, `orm_store.py`) or `…:create_app` (asyncpg and hand-written SQL, `sql_store.py`);
the database is `CRUD_DATABASE_URL` (tables created at start).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI, Request, Response
from pydantic import AwareDatetime

from bench.crud_reference.sql_store import SqlStore
from bench.crud_reference.store import Free, NewBooking, NewVehicle, Store, Taken
from shared.contract.pricing import price_cents
from shared.kit.http.responses import JSON, problem

PAGE = 50


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def readyz(request: Request) -> Response:
    await _store(request).ready()
    return JSON({"status": "ready"})


async def register(body: NewVehicle, request: Request) -> Response:
    vehicle_id = uuid.uuid4()
    if not await _store(request).register(vehicle_id, body):
        return problem(409, "Vehicle exists", "VIN or plate taken", "vehicle-exists")
    return JSON({"vehicle_id": str(vehicle_id)}, status_code=201)


async def book(body: NewBooking, request: Request) -> Response:
    """Lock the vehicle row, look for an overlap, insert: the classic transaction."""
    if body.end <= body.start:
        return problem(422, "Invalid window", "end must be after start", "validation")
    booking_id = uuid.uuid4()
    booked = await _store(request).book(booking_id, body)
    if booked is Taken.NO_VEHICLE:
        return problem(404, "Not found", "no such vehicle", "not-found")
    if booked is Taken.OVERLAP:
        return problem(409, "Overlapping block", "the window is taken", "overlapping-block")
    price, currency = booked
    answer = {"booking_id": str(booking_id), "vehicle_id": str(body.vehicle_id),
              "start": body.start, "end": body.end, "price_cents": price,
              "currency": currency, "status": "confirmed"}  # fmt: skip
    return JSON(answer, status_code=201)


async def availability(request: Request, start: AwareDatetime, end: AwareDatetime) -> Response:
    free = await _store(request).free(start, end, PAGE)
    return JSON({"items": [_item(vehicle, start, end) for vehicle in free], "next_cursor": None})


def _item(vehicle: Free, start: datetime, end: datetime) -> dict[str, object]:
    return {
        "vehicle_id": str(vehicle.id),
        "make": vehicle.make,
        "model": vehicle.model,
        "seats": vehicle.seats,
        "price_cents": price_cents(start, end, vehicle.hourly_rate_cents, vehicle.daily_rate_cents),
        "currency": vehicle.currency,
    }


def _app(open_store: Callable[[str], Store], flavour: str) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = open_store(os.environ["CRUD_DATABASE_URL"])
        await store.start()
        app.state.store = store
        yield
        await store.close()

    app = FastAPI(title=f"CRUD reference, {flavour} (benchmark baseline)", lifespan=lifespan)
    app.add_api_route("/readyz", readyz, methods=["GET"])
    app.add_api_route("/v1/vehicles", register, methods=["POST"])
    app.add_api_route("/v1/bookings", book, methods=["POST"])
    app.add_api_route("/v1/availability", availability, methods=["GET"])
    return app


def create_app() -> FastAPI:
    """The reference on asyncpg and hand-written SQL (a uvicorn factory)."""
    return _app(SqlStore, "asyncpg")


def create_orm_app() -> FastAPI:
    """The reference on SQLAlchemy's ORM (a uvicorn factory)."""
    # Imported here: SQLAlchemy, a development dependency, serves this reference only.
    from bench.crud_reference.orm_store import OrmStore

    return _app(OrmStore, "SQLAlchemy ORM")
