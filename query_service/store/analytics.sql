-- Analytics read models (docs/analytics.md), created with read_models.sql in every generation.
-- Buckets are whole UTC hours (and UTC days for the per-vehicle day rows), keyed by their
-- start. Every value derives from event data; a bucket row, once created, stays (a
-- cancellation leaves it at zero), so a rebuild creates exactly the same rows.
-- Rows are per vehicle, or per fleet *slice* (vehicle_id mod 4, see read_models/spans.py):
-- two rebuild shards never write the same row.
-- Every row carries its organization (keys lead with organization_id). Fleet rows are kept
-- per location too (location_id; the nil uuid for a vehicle without one) so a location
-- filter is an index range: a booking counts at the vehicle's home location when it was
-- confirmed, usage at the location the vehicle had during the span (docs/analytics.md).

-- Per vehicle and span [start_at, end_at): seconds booked (a confirmed booking's window, a
-- cancellation subtracts it again), driven (an ended trip) and in service (a closed
-- in-service interval; the open one is added at read time from
-- analytics_vehicles.in_service_since). One vehicle's hourly figures are cut from its spans
-- at read time (read_models/usage.py says why this is not a row per vehicle and hour).
CREATE TABLE analytics_vehicle_spans (
    organization_id uuid    NOT NULL,
    vehicle_id  uuid        NOT NULL,
    start_at    timestamptz NOT NULL,
    end_at      timestamptz NOT NULL,
    booked_s    integer     NOT NULL,
    driven_s    integer     NOT NULL,
    up_s        integer     NOT NULL,
    PRIMARY KEY (organization_id, vehicle_id, start_at, end_at)
);
CREATE INDEX analytics_vehicle_spans_end_idx ON analytics_vehicle_spans (vehicle_id, end_at);

-- The same per UTC day: underutilized vehicles sum one row per vehicle and day.
CREATE TABLE analytics_vehicle_days (
    organization_id uuid    NOT NULL,
    vehicle_id  uuid        NOT NULL,
    day         timestamptz NOT NULL,
    booked_s    integer     NOT NULL,
    driven_s    integer     NOT NULL,
    up_s        integer     NOT NULL,
    PRIMARY KEY (organization_id, vehicle_id, day)
);
CREATE INDEX analytics_vehicle_days_day_idx ON analytics_vehicle_days (organization_id, day)
    INCLUDE (vehicle_id, booked_s, driven_s, up_s);

-- Per fleet slice and hour, in two parts. booked_s, driven_s, up_s: seconds of the hours
-- a span covers only in part (its first and last). booked_w, driven_w, up_w: edges of the
-- hours spans cover whole: +1 at the first whole hour, -1 after the last. An hour's value
-- is its partial seconds + 3600 * the sum of the edges of every hour up to it, so a span
-- writes at most four entries whatever its length (read_models/usage.py says why).
CREATE TABLE analytics_fleet_hours (
    organization_id uuid    NOT NULL,
    location_id uuid        NOT NULL,
    hour        timestamptz NOT NULL,
    slice       smallint    NOT NULL,
    booked_s    bigint      NOT NULL,
    driven_s    bigint      NOT NULL,
    up_s        bigint      NOT NULL,
    booked_w    integer     NOT NULL,
    driven_w    integer     NOT NULL,
    up_w        integer     NOT NULL,
    PRIMARY KEY (organization_id, location_id, hour, slice)
);
CREATE INDEX analytics_fleet_hours_hour_idx ON analytics_fleet_hours (organization_id, hour)
    INCLUDE (booked_s, driven_s, up_s, booked_w, driven_w, up_w);

-- Per vehicle: what the open intervals need (in service since, running trip since).
CREATE TABLE analytics_vehicles (
    vehicle_id        uuid PRIMARY KEY,
    slice             smallint    NOT NULL,
    registered_at     timestamptz NOT NULL,
    retired_at        timestamptz,
    in_service_since  timestamptz,
    trip_id           uuid,
    trip_started_at   timestamptz,
    organization_id   uuid        NOT NULL,
    location_id       uuid        NOT NULL  -- the vehicle's home location now (nil: none)
);
CREATE INDEX analytics_vehicles_org_idx ON analytics_vehicles (organization_id, location_id);

-- Bookings by the hour their window starts (the cohort), per fleet slice and currency.
CREATE TABLE analytics_fleet_bookings (
    organization_id uuid        NOT NULL,
    location_id     uuid        NOT NULL,
    hour            timestamptz NOT NULL,
    slice           smallint    NOT NULL,
    currency        text        NOT NULL,
    bookings        integer     NOT NULL,
    cancelled       integer     NOT NULL,
    completed       integer     NOT NULL,
    trips           integer     NOT NULL,
    lead_s          bigint      NOT NULL,
    duration_s      bigint      NOT NULL,
    booked_cents    bigint      NOT NULL,
    refunded_cents  bigint      NOT NULL,
    PRIMARY KEY (organization_id, location_id, hour, slice, currency)
);
CREATE INDEX analytics_fleet_bookings_hour_idx ON analytics_fleet_bookings (organization_id, hour);

-- Revenue per vehicle by the hour the booking starts.
CREATE TABLE analytics_vehicle_bookings (
    organization_id uuid        NOT NULL,
    location_id     uuid        NOT NULL,
    vehicle_id      uuid        NOT NULL,
    hour            timestamptz NOT NULL,
    currency        text        NOT NULL,
    bookings        integer     NOT NULL,
    cancelled       integer     NOT NULL,
    booked_cents    bigint      NOT NULL,
    refunded_cents  bigint      NOT NULL,
    PRIMARY KEY (organization_id, location_id, vehicle_id, hour, currency)
);
CREATE INDEX analytics_vehicle_bookings_hour_idx ON analytics_vehicle_bookings (organization_id, hour)
    INCLUDE (vehicle_id, currency, bookings, cancelled, booked_cents, refunded_cents);

-- Per vehicle: the current service cycle behind the health score and the due list.
-- km_due_at: the event at which km since service first reached the interval (15,000 km).
CREATE TABLE analytics_service (
    vehicle_id                 uuid PRIMARY KEY,
    retired                    boolean     NOT NULL,
    odometer_km                integer     NOT NULL,
    km_at_service              integer     NOT NULL,
    last_service_at            timestamptz NOT NULL,
    trips_since_service        integer     NOT NULL,
    trip_seconds_since_service bigint      NOT NULL,
    km_due_at                  timestamptz,
    organization_id            uuid        NOT NULL
);
