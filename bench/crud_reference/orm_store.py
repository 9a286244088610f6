"""BENCHMARK BASELINE — the reference's store on SQLAlchemy's asyncio ORM, as a classic
CRUD service is written (issue 10's peer): mapped classes, a session per request, the
vehicle loaded `with_for_update`, the overlap asked with a query, the booking added and
committed. The same tables as `sql_store.py` (bench/crud_reference/store.py)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, DateTime, String, and_, exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from bench.crud_reference.store import (
    OVERLAP_HORIZON_DAYS,
    POOL_SIZE,
    Free,
    NewBooking,
    NewVehicle,
    Taken,
    create_schema,
)
from shared.contract.pricing import price_cents

HORIZON = timedelta(days=OVERLAP_HORIZON_DAYS)


class Base(DeclarativeBase):
    pass


class Vehicle(Base):
    __tablename__ = "vehicles"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    vin: Mapped[str] = mapped_column(String, unique=True)
    plate: Mapped[str] = mapped_column(String, unique=True)
    make: Mapped[str]
    model: Mapped[str]
    year: Mapped[int]
    seats: Mapped[int]
    hourly_rate_cents: Mapped[int]
    daily_rate_cents: Mapped[int]
    currency: Mapped[str]
    odometer_km: Mapped[int]


class Booking(Base):
    __tablename__ = "bookings"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    vehicle_id: Mapped[uuid.UUID]
    customer_id: Mapped[uuid.UUID]
    start: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    end: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    price_cents: Mapped[int]
    status: Mapped[str] = mapped_column(default="confirmed")


def _overlapping(vehicle_id: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    """The condition of a confirmed booking of the vehicle overlapping [start, end)."""
    return and_(
        Booking.vehicle_id == vehicle_id,
        Booking.status == "confirmed",
        Booking.start < end,
        Booking.end > start,
        Booking.start > start - HORIZON,
    )


class OrmStore:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        url = dsn.replace("postgresql://", "postgresql+asyncpg://", 1)
        self._engine = create_async_engine(url, pool_size=POOL_SIZE, max_overflow=0)
        self._sessions = async_sessionmaker(self._engine, expire_on_commit=False)

    async def start(self) -> None:
        await create_schema(self._dsn)

    async def close(self) -> None:
        await self._engine.dispose()

    async def ready(self) -> None:
        async with self._sessions() as session:
            await session.scalar(select(1))

    async def register(self, vehicle_id: uuid.UUID, body: NewVehicle) -> bool:
        try:
            async with self._sessions() as session, session.begin():
                session.add(Vehicle(id=vehicle_id, **body.model_dump()))
        except IntegrityError:
            return False
        return True

    async def book(self, booking_id: uuid.UUID, body: NewBooking) -> tuple[int, str] | Taken:
        session: AsyncSession
        async with self._sessions() as session, session.begin():
            vehicle = await session.get(Vehicle, body.vehicle_id, with_for_update=True)
            if vehicle is None:
                return Taken.NO_VEHICLE
            clash = select(Booking.id).where(_overlapping(body.vehicle_id, body.start, body.end))
            if await session.scalar(clash.limit(1)) is not None:
                return Taken.OVERLAP
            price = price_cents(
                body.start, body.end, vehicle.hourly_rate_cents, vehicle.daily_rate_cents
            )
            session.add(Booking(id=booking_id, vehicle_id=body.vehicle_id,
                                customer_id=body.customer_id, start=body.start, end=body.end,
                                price_cents=price))  # fmt: skip
        return price, vehicle.currency

    async def free(self, start: datetime, end: datetime, limit: int) -> list[Free]:
        busy = exists().where(_overlapping(Vehicle.id, start, end))
        query = select(Vehicle).where(~busy).order_by(Vehicle.id).limit(limit)
        async with self._sessions() as session:
            vehicles = (await session.scalars(query)).all()
        return [
            Free(v.id, v.make, v.model, v.seats, v.hourly_rate_cents, v.daily_rate_cents,
                 v.currency)
            for v in vehicles
        ]  # fmt: skip
