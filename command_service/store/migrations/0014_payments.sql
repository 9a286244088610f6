-- Payments (docs/payments.md, "The process manager"): an organization's payment setting,
-- the payment streams, the manager's step table and the webhook deduplication table.
ALTER TABLE organizations
    ADD COLUMN payments text NOT NULL DEFAULT 'off' CHECK (payments IN ('off', 'required'));

ALTER TABLE streams DROP CONSTRAINT streams_kind_check;
ALTER TABLE streams ADD CONSTRAINT streams_kind_check
    CHECK (kind IN ('location', 'pricing_policy', 'payment'));

-- One row per payment: its status as its latest event left it (written in the append's
-- transaction), what the manager needs to take its next step (the card token for a
-- retried authorization, the provider's authorization id) and its retry schedule.
CREATE TABLE payments (
    payment_id       uuid PRIMARY KEY,
    organization_id  uuid NOT NULL,
    hold_id          uuid,
    booking_id       uuid,
    vehicle_id       uuid,
    status           text NOT NULL
        CHECK (status IN ('started', 'pending', 'authorized', 'declined', 'settled')),
    started_event_id uuid,
    card_token       text,
    authorization_id text,
    amount_cents     int,
    hourly_cents     int,  -- the rate the booking was priced with: late fees use it
    attempts         int NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT '-infinity'
);
-- A hold is paid at most once: a second payment waits for the first one's decline.
CREATE UNIQUE INDEX payments_one_per_hold ON payments (hold_id) WHERE status <> 'declined';
CREATE INDEX payments_open_idx ON payments (next_attempt_at)
    WHERE status IN ('started', 'pending', 'authorized');
CREATE INDEX payments_authorization_idx ON payments (authorization_id);

-- Webhooks already applied, by the provider's event id: written in the transaction of
-- what the webhook caused, so a duplicate finds it and changes nothing.
CREATE TABLE payment_webhooks (
    provider    text NOT NULL,
    event_id    text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider, event_id)
);
