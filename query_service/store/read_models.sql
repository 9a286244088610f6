-- Read models of the query service, created inside one generation's schema (see schemas.py).
-- Every value comes from event data (occurred_at and friends, never now()), so projecting the
-- same log again gives the same rows byte for byte. Stock PostgreSQL only: no extensions.
-- Every row carries the organization of the event that made it (organization_id), and
-- every table is guarded by row-level security on it (store/row_security.py); indexes the
-- lists use lead with it.

-- One row per vehicle: registration fields, status and the service counters behind `health`.
-- status: available | in_use | maintenance | inactive | retired (VehicleRetired sets it).
CREATE TABLE vehicles (
    vehicle_id          uuid PRIMARY KEY,
    vin                 text        NOT NULL,
    plate               text        NOT NULL,
    make                text        NOT NULL,
    model               text        NOT NULL,
    year                integer     NOT NULL,
    seats               integer     NOT NULL,
    hourly_rate_cents   bigint      NOT NULL,
    daily_rate_cents    bigint      NOT NULL,
    currency            text        NOT NULL,
    home_lat            double precision,
    home_lon            double precision,
    location_id         uuid,       -- the vehicle's home location (branch), if any
    status              text        NOT NULL,
    retired             boolean     NOT NULL,
    retired_at          timestamptz,
    odometer_km         integer     NOT NULL,
    km_at_last_service  integer     NOT NULL,
    last_service_at     timestamptz NOT NULL,
    current_booking_id  uuid,
    current_trip_id     uuid,
    version             integer     NOT NULL,
    registered_at       timestamptz NOT NULL,
    updated_at          timestamptz NOT NULL,
    organization_id     uuid        NOT NULL,
    -- make and model as filters compare them. Stored, not an index expression: under
    -- row-level security the planner keeps lower(make) = $1 (lower is not leakproof)
    -- out of the index and filtered every row of the organization; a plain column's
    -- equality is leakproof, so the index serves it.
    make_key            text        GENERATED ALWAYS AS (lower(make)) STORED,
    model_key           text        GENERATED ALWAYS AS (lower(model)) STORED
);
CREATE INDEX vehicles_org_idx ON vehicles (organization_id, vehicle_id);
CREATE INDEX vehicles_status_idx ON vehicles (organization_id, status, vehicle_id);
CREATE INDEX vehicles_make_idx ON vehicles (organization_id, make_key, model_key, vehicle_id);
CREATE INDEX vehicles_location_idx ON vehicles (organization_id, location_id, vehicle_id);
CREATE INDEX vehicles_home_idx ON vehicles (organization_id, home_lat, home_lon)
    WHERE home_lat IS NOT NULL;

-- What blocks a vehicle's calendar, half-open [lower, upper): confirmed bookings, holds
-- (blocking only while the reader's now < expires_at) and maintenance windows (trimmed to
-- the completion time). Resolved holds, cancelled and completed bookings are deleted.
CREATE TABLE calendar_blocks (
    block_id    uuid PRIMARY KEY,
    vehicle_id  uuid      NOT NULL,
    kind        text      NOT NULL CHECK (kind IN ('booking', 'hold', 'maintenance')),
    period      tstzrange NOT NULL CHECK (NOT isempty(period)),
    expires_at  timestamptz CHECK ((kind = 'hold') = (expires_at IS NOT NULL)),
    organization_id uuid  NOT NULL
);
-- Availability: every block overlapping a window, fleet-wide (plain GiST on a range is core).
-- Covering: the blocked-vehicles scan is index-only and never visits the heap, whose
-- blocks arrive vehicle by vehicle and so scatter one window's rows over many pages.
CREATE INDEX calendar_blocks_period_idx ON calendar_blocks USING gist (period)
    INCLUDE (vehicle_id, expires_at);
-- One vehicle's calendar, in keyset order.
CREATE INDEX calendar_blocks_vehicle_idx ON calendar_blocks (vehicle_id, lower(period), block_id);

-- Availability, one vehicle at a time (read_models/busy.py): a vehicle's blocked time in
-- one row. busy: union of its booking and maintenance periods (changed in place: they never
-- overlap); holds: union of its holds' periods, blocking only while the reader's now <
-- expires_at; hold_until: the latest expires_at (NULL without holds); hold_blocks: every
-- hold by id, [lower_us, upper_us, expires_us] in microseconds since the epoch, JSON text
-- (the exact check of holds; text, not jsonb, so a page can write it by binary COPY).
-- The reader needs busy inline and uncompressed: hold_blocks goes out of line first
-- (EXTERNAL), and rows are only toasted past 8,160 bytes.
CREATE TABLE vehicle_busy (
    vehicle_id  uuid PRIMARY KEY,
    busy        tstzmultirange NOT NULL,
    holds       tstzmultirange NOT NULL,
    hold_until  timestamptz,
    hold_blocks text NOT NULL,
    organization_id uuid NOT NULL
) WITH (toast_tuple_target = 8160);
ALTER TABLE vehicle_busy ALTER COLUMN busy SET STORAGE MAIN,
                         ALTER COLUMN hold_blocks SET STORAGE EXTERNAL;

-- status: confirmed | cancelled | completed.
CREATE TABLE bookings (
    booking_id      uuid PRIMARY KEY,
    vehicle_id      uuid        NOT NULL,
    customer_id     uuid        NOT NULL,
    hold_id         uuid,
    start_at        timestamptz NOT NULL,
    end_at          timestamptz NOT NULL,
    price_cents     bigint      NOT NULL,
    currency        text        NOT NULL,
    purpose         text,
    status          text        NOT NULL,
    trip_id         uuid,
    confirmed_at    timestamptz NOT NULL,
    cancelled_at    timestamptz,
    cancel_reason   text,
    refund_cents    bigint,
    refund_percent  integer,
    completed_at    timestamptz,
    updated_at      timestamptz NOT NULL,
    organization_id uuid        NOT NULL,
    -- the vehicle's home branch when the booking was confirmed (docs/analytics.md)
    location_id     uuid,
    cost_centre     text,
    -- how the price was derived (read_models/priced.py): breakdown and extras as JSON text;
    -- a price decided before pricing policies has one `rental` line and no policy
    breakdown       text        NOT NULL,
    deposit_cents   bigint      NOT NULL,
    extras          text        NOT NULL,
    policy_id       uuid,
    policy_version  integer,
    demand          text,
    quote_id        uuid
);
CREATE INDEX bookings_start_idx ON bookings (organization_id, start_at, booking_id);
CREATE INDEX bookings_vehicle_idx ON bookings (vehicle_id, start_at, booking_id);
CREATE INDEX bookings_customer_idx ON bookings (organization_id, customer_id, start_at, booking_id);
CREATE INDEX bookings_status_idx ON bookings (organization_id, status, start_at, booking_id);
CREATE INDEX bookings_location_idx ON bookings (organization_id, location_id, start_at, booking_id);
CREATE INDEX bookings_cost_centre_idx ON bookings (organization_id, cost_centre, start_at, booking_id)
    WHERE cost_centre IS NOT NULL;

-- status as recorded: active | confirmed | released | expired. An active hold past
-- expires_at is reported as expired by the API (the sweeper's event may lag).
CREATE TABLE holds (
    hold_id      uuid PRIMARY KEY,
    vehicle_id   uuid        NOT NULL,
    customer_id  uuid        NOT NULL,
    start_at     timestamptz NOT NULL,
    end_at       timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    price_cents  bigint      NOT NULL,
    currency     text        NOT NULL,
    status       text        NOT NULL,
    booking_id   uuid,
    placed_at    timestamptz NOT NULL,
    resolved_at  timestamptz,
    updated_at   timestamptz NOT NULL,
    organization_id uuid     NOT NULL,
    -- how the price was derived (read_models/priced.py): breakdown and extras as JSON text;
    -- a price decided before pricing policies has one `rental` line and no policy
    breakdown       text        NOT NULL,
    deposit_cents   bigint      NOT NULL,
    extras          text        NOT NULL,
    policy_id       uuid,
    policy_version  integer,
    demand          text,
    quote_id        uuid
);
CREATE INDEX holds_start_idx ON holds (organization_id, start_at, hold_id);
CREATE INDEX holds_vehicle_idx ON holds (vehicle_id, start_at, hold_id);
CREATE INDEX holds_customer_idx ON holds (organization_id, customer_id, start_at, hold_id);
CREATE INDEX holds_status_idx ON holds (organization_id, status, start_at, hold_id);

-- status: running | ended.
CREATE TABLE trips (
    trip_id            uuid PRIMARY KEY,
    vehicle_id         uuid        NOT NULL,
    booking_id         uuid        NOT NULL,
    customer_id        uuid        NOT NULL,
    status             text        NOT NULL,
    started_at         timestamptz NOT NULL,
    ended_at           timestamptz,
    start_odometer_km  integer     NOT NULL,
    end_odometer_km    integer,
    distance_km        integer,
    duration_s         integer,
    updated_at         timestamptz NOT NULL,
    organization_id    uuid        NOT NULL
);
CREATE INDEX trips_started_idx ON trips (organization_id, started_at, trip_id);
CREATE INDEX trips_vehicle_idx ON trips (vehicle_id, started_at, trip_id);
CREATE INDEX trips_customer_idx ON trips (organization_id, customer_id, started_at, trip_id);
CREATE INDEX trips_booking_idx ON trips (booking_id);

-- status: scheduled | completed.
CREATE TABLE maintenance (
    maintenance_id  uuid PRIMARY KEY,
    vehicle_id      uuid        NOT NULL,
    start_at        timestamptz NOT NULL,
    end_at          timestamptz NOT NULL,
    reason          text        NOT NULL,
    status          text        NOT NULL,
    completed_at    timestamptz,
    odometer_km     integer,
    scheduled_at    timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    organization_id uuid        NOT NULL
);
CREATE INDEX maintenance_start_idx ON maintenance (organization_id, start_at, maintenance_id);
CREATE INDEX maintenance_vehicle_idx ON maintenance (vehicle_id, start_at, maintenance_id);
CREATE INDEX maintenance_status_idx ON maintenance (organization_id, status, start_at, maintenance_id);
