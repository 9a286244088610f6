-- Relay bookkeeping (DESIGN §3, §3a): where publishing to Kafka got to, stored only
-- after the broker acknowledged everything up to it. The cursor is the relay order
-- (transaction_id, global_position), not a bare position.
CREATE TABLE relay_checkpoint (
    name            text PRIMARY KEY,
    transaction_id  xid8        NOT NULL,
    global_position bigint      NOT NULL,
    published_total bigint      NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO relay_checkpoint (name, transaction_id, global_position) VALUES ('kafka', '0', 0);

-- Wake the relay at commit (NOTIFY is delivered only when the appending transaction
-- commits); the relay still polls as a fallback for a lost notification.
CREATE FUNCTION events_wake_relay() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('fleet_events', '');
    RETURN NULL;
END $$;
CREATE TRIGGER events_wake_relay AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_wake_relay();
