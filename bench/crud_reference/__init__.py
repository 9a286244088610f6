"""BENCHMARK BASELINE — not part of Fleetledger: a minimal row-lock CRUD booking service.

`bench/side_by_side.py` runs the same closed-loop scenarios against it and against
Fleetledger's full stack. It is what a classic service would do: FastAPI, one table per
thing, a booking takes its vehicle's row with SELECT … FOR UPDATE, looks for an
overlapping booking and inserts. No events, read model, auth or idempotency keys. Two
stores behind the same HTTP layer (`app.py`): SQLAlchemy's asyncio ORM (`orm_store.py`,
the peer issue 10 measured) and asyncpg with hand-written SQL (`sql_store.py`, the
leanest such a service gets).
"""
