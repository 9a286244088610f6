"""The append statement, built from only the parts an append fills.

An append writes its events, the vehicle's state and its side rows (registry, open holds,
the idempotency record, calendar blocks, pricing facts and demand) in one statement of
data-modifying CTEs: fourteen parts over eleven tables. A part with nothing to write is
left out rather than run on empty arrays: PostgreSQL opens and locks every table a
statement names, whether rows come or not, and a booking fills four parts over four
tables (docs/benchmarks.md, "The append names only what it writes").

Parts name their parameters (`{stream}`, `{vins}`, …). A statement numbers them in order
of first use and is built once per set of parts; asyncpg prepares each once per connection.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from command_service.store.calendar_rows import UPSERT_BLOCKS


@dataclass(frozen=True)
class Part:
    """One CTE of the append; written only when its `key` parameter fills it (`_fills`;
    no key: always)."""

    name: str
    sql: str
    key: str | None = None


PARTS = (
    Part(
        "ev",
        """INSERT INTO events (stream_id, version, event_id, event_type, schema_version, data,
                        metadata, occurred_at, organization_id)
    SELECT {stream}::uuid, x.version, x.event_id, x.event_type, x.schema_version,
           x.data::jsonb, {metadata}::jsonb, x.occurred_at, {organization}::uuid
    FROM unnest({versions}::int[], {event_ids}::uuid[], {event_types}::text[],
                {schema_versions}::smallint[], {payloads}::text[], {occurred_at}::timestamptz[])
         AS x(version, event_id, event_type, schema_version, data, occurred_at)
    RETURNING global_position""",
    ),
    Part(
        "st",
        """INSERT INTO vehicle_state AS s (stream_id, version, state_schema, state)
    VALUES ({stream}::uuid, {state_version}::int, {state_schema}::int, {state}::bytea)
    ON CONFLICT (stream_id) DO UPDATE
        SET version = EXCLUDED.version, state_schema = EXCLUDED.state_schema,
            state = EXCLUDED.state, updated_at = clock_timestamp()
        WHERE s.version < EXCLUDED.version
    RETURNING 1""",
    ),
    Part(
        "vins",
        """INSERT INTO vehicle_vins (organization_id, vin, stream_id)
    SELECT {organization}::uuid, v, {stream}::uuid FROM unnest({vins}::text[]) AS v
    RETURNING 1""",
        key="vins",
    ),
    Part(
        "plates_out",
        """DELETE FROM vehicle_plates
    WHERE stream_id = {stream}::uuid AND plate_key = ANY({plates_out}::text[])
    RETURNING 1""",
        key="plates_out",
    ),
    Part(
        "plates_in",
        """INSERT INTO vehicle_plates (organization_id, plate_key, stream_id)
    SELECT {organization}::uuid, p, {stream}::uuid FROM unnest({plates_in}::text[]) AS p
    RETURNING 1""",
        key="plates_in",
    ),
    Part(
        "ids",
        """INSERT INTO entity_index (entity_id, kind, stream_id)
    SELECT x.id, x.kind, {stream}::uuid
    FROM unnest({entity_ids}::uuid[], {entity_kinds}::text[]) AS x(id, kind)
    RETURNING 1""",
        key="entity_ids",
    ),
    Part(
        "holds_in",
        """INSERT INTO open_holds (hold_id, stream_id, expires_at)
    SELECT x.id, {stream}::uuid, x.expires_at
    FROM unnest({holds_in}::uuid[], {holds_in_expiry}::timestamptz[]) AS x(id, expires_at)
    RETURNING 1""",
        key="holds_in",
    ),
    Part(
        "holds_out",
        "DELETE FROM open_holds WHERE hold_id = ANY({holds_out}::uuid[]) RETURNING 1",
        key="holds_out",
    ),
    Part(
        "idem",
        """INSERT INTO idempotency_keys (key, fingerprint, status, response, stream_id)
    VALUES ({idem_key}::text, {fingerprint}::bytea, {status}::smallint, {response}::jsonb,
            {stream}::uuid)
    RETURNING 1""",
        key="idem_key",
    ),
    Part(
        "facts",
        """INSERT INTO pricing_vehicles AS p (vehicle_id, organization_id, make, model,
                                       location_id, countable)
    VALUES ({stream}::uuid, {organization}::uuid, {make}::text, {model}::text,
            {location}::uuid, {countable}::boolean)
    ON CONFLICT (vehicle_id) DO UPDATE
        SET make = EXCLUDED.make, model = EXCLUDED.model, location_id = EXCLUDED.location_id,
            countable = EXCLUDED.countable
    RETURNING 1""",
        key="make",
    ),
    Part(
        "generation",  # new facts can change which policy matches: the catalogue moves on
        """INSERT INTO pricing_generations AS g (organization_id, generation)
    VALUES ({organization}::uuid, 1)
    ON CONFLICT (organization_id) DO UPDATE SET generation = g.generation + 1
    RETURNING 1""",
        key="make",
    ),
    Part(
        "demand_in",
        """INSERT INTO policy_demand AS d (policy_id, hour, booked_hours)
    SELECT * FROM unnest({gain_policies}::uuid[], {gain_hours}::timestamptz[],
                         {gain_hours_booked}::int[])
    ON CONFLICT (policy_id, hour) DO UPDATE
        SET booked_hours = d.booked_hours + EXCLUDED.booked_hours
    RETURNING 1""",
        key="gain_policies",
    ),
    Part(
        "demand_out",  # apart from the insert: its CHECK would judge a negative delta a row
        """UPDATE policy_demand AS d SET booked_hours = d.booked_hours + x.delta
    FROM unnest({loss_policies}::uuid[], {loss_hours}::timestamptz[],
                {loss_hours_booked}::int[]) AS x(p, h, delta)
    WHERE d.policy_id = x.p AND d.hour = x.h
    RETURNING 1""",
        key="loss_policies",
    ),
    Part("blocks", UPSERT_BLOCKS, key="block_ids"),
)
_RESULT = "SELECT max(global_position) FROM ev"


def append_statement(values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """The append for `values` (every part's parameters by name) and its arguments."""
    wanted = tuple(p.name for p in PARTS if p.key is None or _fills(values.get(p.key)))
    sql, names = _statement(wanted)
    return sql, [values[name] for name in names]


def _fills(value: Any) -> bool:
    """A key fills its part unless it is absent, None or an empty list (an empty string
    or a zero is a value to write)."""
    return value is not None and not (isinstance(value, list) and not value)


class _Numbering(dict[str, str]):
    """`format_map`'s mapping: a parameter's number, the next one on its first use."""

    def __missing__(self, name: str) -> str:
        self[name] = f"${len(self) + 1}"
        return self[name]


@cache
def _statement(wanted: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    numbering = _Numbering()
    ctes = [
        f"{part.name} AS (\n    {part.sql.format_map(numbering)}\n)"
        for part in PARTS
        if part.name in wanted
    ]
    return "WITH " + ",\n".join(ctes) + "\n" + _RESULT, tuple(numbering)
