-- Calendar blocks as rows (docs/command-side.md, "What a command loads"): a decision
-- reads the vehicle's attributes and only the blocks its command can touch, and an
-- append writes only the blocks its events change. Built from the existing state rows;
-- events are never rewritten.

-- A vehicle id as a one-point numeric range, so the exclusion constraint below needs only
-- the built-in range operator class of GiST (the embedded PostgreSQL has no btree_gist).
CREATE FUNCTION vehicle_key(id uuid) RETURNS numrange
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT numrange(k, k, '[]') FROM (
        SELECT ('x' || substr(h, 1, 16))::bit(64)::bigint::numeric * 18446744073709551616
             + ('x' || substr(h, 17, 16))::bit(64)::bigint::numeric AS k
        FROM (SELECT replace(id::text, '-', '') AS h) AS hex
    ) AS n
$$;

CREATE TABLE calendar_blocks (
    vehicle_id   uuid        NOT NULL,
    block_id     uuid        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('booking', 'hold', 'maintenance')),
    start        timestamptz NOT NULL,
    "end"        timestamptz NOT NULL,
    -- end of the interval the block ever held: a completed maintenance stops at completion
    blocks_until timestamptz NOT NULL,
    status       text        NOT NULL,
    expires_at   timestamptz,
    trip_id      uuid,
    record       bytea       NOT NULL,
    vehicle_key  numrange GENERATED ALWAYS AS (vehicle_key(vehicle_id)) STORED,
    PRIMARY KEY (vehicle_id, block_id),
    -- The second wall behind the per-vehicle version check: no two confirmed bookings or
    -- maintenance windows of one vehicle overlap, whoever writes the rows. Holds stay out:
    -- one stops blocking at expires_at, a moment no constraint can follow.
    CONSTRAINT calendar_blocks_no_overlap EXCLUDE USING gist (
        vehicle_key WITH =, tstzrange(start, greatest(start, blocks_until)) WITH &&
    ) WHERE (kind = 'maintenance' OR (kind = 'booking' AND status = 'confirmed'))
);
-- end is a key column so the overlap test runs on index entries, before any heap visit.
CREATE INDEX calendar_blocks_window_idx ON calendar_blocks (vehicle_id, start, "end");
CREATE INDEX calendar_blocks_trip_idx ON calendar_blocks (vehicle_id, trip_id)
    WHERE trip_id IS NOT NULL;

WITH states AS (
    SELECT stream_id, convert_from(state, 'UTF8')::jsonb AS s
    FROM vehicle_state WHERE state_schema = 1
)
INSERT INTO calendar_blocks
    (vehicle_id, block_id, kind, start, "end", blocks_until, status, expires_at, trip_id, record)
SELECT stream_id, (b->>'booking_id')::uuid, 'booking', (b->>'start')::timestamptz,
       (b->>'end')::timestamptz, (b->>'end')::timestamptz, b->>'status', NULL,
       (b->>'trip_id')::uuid, convert_to(b::text, 'UTF8')
FROM states, jsonb_array_elements(s->'bookings') AS b
UNION ALL
SELECT stream_id, (h->>'hold_id')::uuid, 'hold', (h->>'start')::timestamptz,
       (h->>'end')::timestamptz, (h->>'end')::timestamptz, coalesce(h->>'resolution', 'open'),
       (h->>'expires_at')::timestamptz, NULL, convert_to(h::text, 'UTF8')
FROM states, jsonb_array_elements(s->'holds') AS h
UNION ALL
SELECT stream_id, (m->>'maintenance_id')::uuid, 'maintenance', (m->>'start')::timestamptz,
       (m->>'end')::timestamptz,
       least((m->>'end')::timestamptz, coalesce((m->>'completed_at')::timestamptz, 'infinity')),
       CASE WHEN m->>'completed_at' IS NULL THEN 'scheduled' ELSE 'completed' END,
       NULL, NULL, convert_to(m::text, 'UTF8')
FROM states, jsonb_array_elements(s->'maintenance') AS m;

-- The state row keeps the attributes and trips only (STATE_SCHEMA 2).
UPDATE vehicle_state
SET state = convert_to(
        (convert_from(state, 'UTF8')::jsonb
            || '{"holds": [], "bookings": [], "maintenance": []}'::jsonb)::text, 'UTF8'),
    state_schema = 2
WHERE state_schema = 1;
