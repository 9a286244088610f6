"""The append statement, built from only the parts its appends fill, for one or more streams.

An append writes its events, the vehicle's state and its side rows (registry, open holds,
the idempotency record, calendar blocks, pricing facts and demand) in one statement of
data-modifying CTEs: fourteen parts over eleven tables. A part with nothing to write is
left out rather than run on empty arrays: PostgreSQL opens and locks every table a
statement names, whether rows come or not, and a booking fills four parts over four
tables (docs/benchmarks.md, "The append names only what it writes").

Every part reads its rows from arrays, one row per element, so one statement can carry
the appends of several streams (`group_append`): an append's value that is one per
append (its stream, its state) is repeated once per row it gives the part. Parts name
their parameters (`{stream}`, `{vins}`, …); each part's are its own, numbered in order of
first use; a statement is built once per set of parts and asyncpg prepares it once per
connection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from string import Formatter
from typing import Any

from command_service.store.calendar_rows import UPSERT_BLOCKS


@dataclass(frozen=True)
class Part:
    """One CTE of the append. `rows`: the values that are arrays, one element per row (the
    first counts them); the part's other parameters are one per append, repeated per row.
    A part without `rows` writes one row per append, or none when its `key` is absent."""

    name: str
    sql: str
    rows: tuple[str, ...] = ()
    key: str | None = None
    params: tuple[str, ...] = field(init=False)  # in order of first use
    fields: tuple[tuple[str, bool], ...] = field(init=False)  # (param, one per row?)

    def __post_init__(self) -> None:
        names = tuple(dict.fromkeys(f for _, f, _, _ in Formatter().parse(self.sql) if f))
        object.__setattr__(self, "params", names)
        object.__setattr__(self, "fields", tuple((n, n in self.rows) for n in names))

    def count(self, values: Mapping[str, Any]) -> int:
        """How many rows `values` give this part."""
        if self.rows:
            return len(values.get(self.rows[0]) or ())
        return 1 if self.key is None or _fills(values.get(self.key)) else 0


PARTS = (
    Part(
        "ev",
        """INSERT INTO events (stream_id, version, event_id, event_type, schema_version, data,
                        metadata, occurred_at, organization_id)
    SELECT x.stream_id, x.version, x.event_id, x.event_type, x.schema_version,
           x.data::jsonb, x.metadata::jsonb, x.occurred_at, x.organization_id
    FROM unnest({stream}::uuid[], {versions}::int[], {event_ids}::uuid[], {event_types}::text[],
                {schema_versions}::smallint[], {payloads}::text[], {metadata}::text[],
                {occurred_at}::timestamptz[], {organization}::uuid[])
         AS x(stream_id, version, event_id, event_type, schema_version, data, metadata,
              occurred_at, organization_id)
    RETURNING stream_id, global_position""",
        rows=("versions", "event_ids", "event_types", "schema_versions", "payloads", "occurred_at"),
    ),
    Part(
        "st",
        """INSERT INTO vehicle_state AS s (stream_id, version, state_schema, state)
    SELECT * FROM unnest({stream}::uuid[], {state_version}::int[], {state_schema}::int[],
                         {state}::bytea[])
    ON CONFLICT (stream_id) DO UPDATE
        SET version = EXCLUDED.version, state_schema = EXCLUDED.state_schema,
            state = EXCLUDED.state, updated_at = clock_timestamp()
        WHERE s.version < EXCLUDED.version
    RETURNING 1""",
    ),
    Part(
        "vins",
        """INSERT INTO vehicle_vins (organization_id, vin, stream_id)
    SELECT * FROM unnest({organization}::uuid[], {vins}::text[], {stream}::uuid[])
    RETURNING 1""",
        rows=("vins",),
    ),
    Part(
        "plates_out",
        """DELETE FROM vehicle_plates AS p
    USING unnest({stream}::uuid[], {plates_out}::text[]) AS x(stream_id, plate_key)
    WHERE p.stream_id = x.stream_id AND p.plate_key = x.plate_key
    RETURNING 1""",
        rows=("plates_out",),
    ),
    Part(
        "plates_in",
        """INSERT INTO vehicle_plates (organization_id, plate_key, stream_id)
    SELECT * FROM unnest({organization}::uuid[], {plates_in}::text[], {stream}::uuid[])
    RETURNING 1""",
        rows=("plates_in",),
    ),
    Part(
        "ids",
        """INSERT INTO entity_index (entity_id, kind, stream_id)
    SELECT * FROM unnest({entity_ids}::uuid[], {entity_kinds}::text[], {stream}::uuid[])
    RETURNING 1""",
        rows=("entity_ids", "entity_kinds"),
    ),
    Part(
        "holds_in",
        """INSERT INTO open_holds (hold_id, stream_id, expires_at)
    SELECT * FROM unnest({holds_in}::uuid[], {stream}::uuid[], {holds_in_expiry}::timestamptz[])
    RETURNING 1""",
        rows=("holds_in", "holds_in_expiry"),
    ),
    Part(
        "holds_out",
        "DELETE FROM open_holds WHERE hold_id = ANY({holds_out}::uuid[]) RETURNING 1",
        rows=("holds_out",),
    ),
    Part(
        "idem",
        """INSERT INTO idempotency_keys (key, fingerprint, status, response, stream_id)
    SELECT x.key, x.fingerprint, x.status, x.response::jsonb, x.stream_id
    FROM unnest({idem_key}::text[], {fingerprint}::bytea[], {status}::smallint[],
                {response}::text[], {stream}::uuid[])
         AS x(key, fingerprint, status, response, stream_id)
    RETURNING 1""",
        key="idem_key",
    ),
    Part(
        "facts",
        """INSERT INTO pricing_vehicles AS p (vehicle_id, organization_id, make, model,
                                       location_id, countable)
    SELECT * FROM unnest({stream}::uuid[], {organization}::uuid[], {make}::text[],
                         {model}::text[], {location}::uuid[], {countable}::boolean[])
    ON CONFLICT (vehicle_id) DO UPDATE
        SET make = EXCLUDED.make, model = EXCLUDED.model, location_id = EXCLUDED.location_id,
            countable = EXCLUDED.countable
    RETURNING 1""",
        key="make",
    ),
    Part(
        # New facts can change which policy matches: the catalogue moves on (once per
        # organization and statement, however many of its vehicles changed).
        "generation",
        """INSERT INTO pricing_generations AS g (organization_id, generation)
    SELECT DISTINCT o, 1 FROM unnest({organization}::uuid[]) AS o
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
        rows=("gain_policies", "gain_hours", "gain_hours_booked"),
    ),
    Part(
        "demand_out",  # apart from the insert: its CHECK would judge a negative delta a row
        """UPDATE policy_demand AS d SET booked_hours = d.booked_hours + x.delta
    FROM unnest({loss_policies}::uuid[], {loss_hours}::timestamptz[],
                {loss_hours_booked}::int[]) AS x(p, h, delta)
    WHERE d.policy_id = x.p AND d.hour = x.h
    RETURNING 1""",
        rows=("loss_policies", "loss_hours", "loss_hours_booked"),
    ),
    Part(
        "blocks",
        UPSERT_BLOCKS,
        rows=(
            "block_ids",
            "block_kinds",
            "block_starts",
            "block_ends",
            "blocks_until",
            "block_statuses",
            "block_expiries",
            "block_trips",
            "block_records",
        ),
    ),
)
# Each stream's last position: the events of one stream are numbered in order.
_RESULT = "SELECT stream_id, max(global_position) FROM ev GROUP BY stream_id"


def append_statement(appends: Sequence[Mapping[str, Any]]) -> tuple[str, list[Any]]:
    """One statement for `appends` (each its parameters by name; one stream each, all
    different) and its arguments. It returns a row per stream: its last position."""
    counts = [[part.count(values) for part in PARTS] for values in appends]
    wanted = tuple(i for i, rows in enumerate(zip(*counts, strict=True)) if any(rows))
    args: list[Any] = []
    for i in wanted:
        fields = PARTS[i].fields
        columns: list[list[Any]] = [[] for _ in fields]
        for values, count in zip(appends, counts, strict=True):
            if rows := count[i]:
                for column, (name, per_row) in zip(columns, fields, strict=True):
                    column.extend(values[name] if per_row else [values[name]] * rows)
        args += columns
    return _statement(wanted), args


def _fills(value: Any) -> bool:
    """A key fills its part unless it is absent or None (an empty string or a zero is a
    value to write)."""
    return value is not None


@cache
def _statement(wanted: tuple[int, ...]) -> str:
    """The statement of the parts numbered `wanted`; parameters numbered part by part, in
    each part's order of first use (`Part.params`), as `append_statement` lists them."""
    ctes, taken = [], 0
    for i in wanted:
        part = PARTS[i]
        numbers = {name: f"${taken + k + 1}" for k, name in enumerate(part.params)}
        taken += len(part.params)
        ctes.append(f"{part.name} AS (\n    {part.sql.format_map(numbers)}\n)")
    return "WITH " + ",\n".join(ctes) + "\n" + _RESULT
