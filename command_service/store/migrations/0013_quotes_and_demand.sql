-- Demand and quotes (docs/quotes-and-demand.md). Like the VIN registry, these tables are
-- written by the very transaction that appends a vehicle's events, so they can never
-- disagree with the store.

-- Booked vehicle-hours per pricing policy and started hour: every confirmed booking
-- priced by a policy adds 1 to each hour of its window that it starts or covers; its
-- cancellation takes them back. Holds do not count.
CREATE TABLE policy_demand (
    policy_id    uuid NOT NULL,
    hour         timestamptz NOT NULL,
    booked_hours integer NOT NULL CHECK (booked_hours >= 0),
    PRIMARY KEY (policy_id, hour)
);

-- What matching a vehicle to a policy needs, per vehicle: kept from the state each append
-- leaves, so the capacity of a policy (its countable vehicles) is one indexed read.
-- countable: neither retired nor set inactive by an operator.
CREATE TABLE pricing_vehicles (
    vehicle_id      uuid PRIMARY KEY,
    organization_id uuid NOT NULL,
    make            text NOT NULL,
    model           text NOT NULL,
    location_id     uuid,
    countable       boolean NOT NULL
);
CREATE INDEX pricing_vehicles_organization_idx ON pricing_vehicles (organization_id)
    WHERE countable;

INSERT INTO pricing_vehicles (vehicle_id, organization_id, make, model, location_id, countable)
SELECT stream_id,
       coalesce((s->>'organization_id')::uuid, '00000000-0000-4000-8000-000000000001'),
       s->>'make', s->>'model', (s->>'location_id')::uuid,
       NOT (s->>'retired')::boolean AND s->>'status' <> 'inactive'
FROM vehicle_state, LATERAL (SELECT convert_from(state, 'UTF8')::jsonb AS s) AS decoded;

-- A quote: the price decided for one vehicle and window, valid until expires_at.
CREATE TABLE quotes (
    quote_id        uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations,
    vehicle_id      uuid NOT NULL,
    start_at        timestamptz NOT NULL,
    end_at          timestamptz NOT NULL,
    extras          text[] NOT NULL,
    priced          jsonb NOT NULL,
    expires_at      timestamptz NOT NULL,
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX quotes_expires_idx ON quotes (expires_at);
