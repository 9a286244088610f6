-- The event store: the command side's source of truth (DESIGN §3).
-- global_position orders events at INSERT; transaction_id (xid8) lets the relay publish
-- in a gap-free order (DESIGN §3a): rows with transaction_id below the snapshot xmin are
-- final, so ordering by (transaction_id, global_position) never skips a late committer.
CREATE TABLE events (
    global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stream_id       uuid        NOT NULL,
    version         integer     NOT NULL CHECK (version > 0),
    event_id        uuid        NOT NULL,
    event_type      text        NOT NULL,
    schema_version  smallint    NOT NULL DEFAULT 1,
    data            jsonb       NOT NULL,
    metadata        jsonb       NOT NULL,
    occurred_at     timestamptz NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    CONSTRAINT events_stream_version_key UNIQUE (stream_id, version),
    CONSTRAINT events_event_id_key UNIQUE (event_id),
    CONSTRAINT events_metadata_shape CHECK (
        metadata ? 'correlation_id' AND metadata ? 'causation_id' AND metadata ? 'actor')
);
CREATE INDEX events_relay_order_idx ON events (transaction_id, global_position);

-- Append-only, enforced by the database itself.
CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER events_no_update_delete BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

-- Decision state per vehicle, written in the same statement as the append, so loading a
-- vehicle costs one row read however long its stream is (pruned of past blocks).
CREATE TABLE vehicle_state (
    stream_id    uuid        PRIMARY KEY,
    version      integer     NOT NULL,
    state_schema integer     NOT NULL,
    state        jsonb       NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Uniqueness that spans streams (DESIGN §2), written in the same statement as the append.
CREATE TABLE vehicle_vins (
    vin       text PRIMARY KEY,
    stream_id uuid NOT NULL
);
CREATE TABLE vehicle_plates (
    plate_key text PRIMARY KEY,
    stream_id uuid NOT NULL
);
CREATE INDEX vehicle_plates_stream_idx ON vehicle_plates (stream_id);

-- booking / hold / trip / maintenance id -> the vehicle stream that owns it.
CREATE TABLE entity_index (
    entity_id uuid PRIMARY KEY,
    kind      text NOT NULL,
    stream_id uuid NOT NULL
);

-- Unresolved holds, for the expiry sweeper.
CREATE TABLE open_holds (
    hold_id    uuid PRIMARY KEY,
    stream_id  uuid        NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX open_holds_expiry_idx ON open_holds (expires_at);

-- Idempotency-Key: the first response, stored with the write it acknowledged.
CREATE TABLE idempotency_keys (
    key         text        PRIMARY KEY,
    fingerprint bytea       NOT NULL,
    status      smallint    NOT NULL,
    response    jsonb       NOT NULL,
    stream_id   uuid,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
