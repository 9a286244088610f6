-- The `payments` read model (read_models/payments.py): one row per payment (one paid
-- hold), its money totals, and one ledger entry per money movement; every value comes
-- from the payment stream's events (docs/payments.md, "Reading payments").
CREATE TABLE payments (
    payment_id       uuid PRIMARY KEY,
    organization_id  uuid        NOT NULL,
    booking_id       uuid        NOT NULL,
    hold_id          uuid        NOT NULL,
    vehicle_id       uuid        NOT NULL,
    customer_id      uuid        NOT NULL,
    provider         text        NOT NULL,
    status           text        NOT NULL,
    price_cents      bigint      NOT NULL,
    deposit_cents    bigint      NOT NULL,
    amount_cents     bigint      NOT NULL,
    authorized_cents bigint      NOT NULL,
    captured_cents   bigint      NOT NULL,
    refunded_cents   bigint      NOT NULL,
    voided_cents     bigint      NOT NULL,
    currency         text        NOT NULL,
    declined         boolean     NOT NULL,
    decline_reason   text,
    version          integer     NOT NULL,
    started_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);
-- GET /v1/payments?booking_id= and the revenue rule's join from bookings.
CREATE INDEX payments_booking_idx ON payments (booking_id, started_at, payment_id);
-- GET /v1/payments: an organization's (a customer's) payments in keyset order.
CREATE INDEX payments_started_idx ON payments (organization_id, started_at, payment_id);
CREATE INDEX payments_customer_idx ON payments (organization_id, customer_id, started_at, payment_id);

-- One money movement of a payment, keyed by the event that recorded it.
CREATE TABLE payment_entries (
    entry_id        uuid PRIMARY KEY,
    payment_id      uuid        NOT NULL,
    organization_id uuid        NOT NULL,
    version         integer     NOT NULL,
    kind            text        NOT NULL,
    amount_cents    bigint      NOT NULL,
    at              timestamptz NOT NULL,
    provider_ref    text        NOT NULL,
    idempotency_key text        NOT NULL,
    settlement      text,
    reason          text
);
CREATE INDEX payment_entries_payment_idx ON payment_entries (payment_id, version);
