"""BENCHMARK BASELINE — not part of Fleetledger: a minimal row-lock CRUD booking service.

`bench/side_by_side.py` runs the same closed-loop scenarios against it and against
Fleetledger's full stack. It is what a classic service would do: FastAPI + asyncpg, one
table per thing, a booking takes its vehicle's row with SELECT … FOR UPDATE, looks for an
overlapping booking and inserts. No events, read model, auth or idempotency keys.
"""
