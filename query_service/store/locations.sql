-- The `locations` read model (read_models/locations.py): one row per location (branch),
-- with the organization it belongs to; every value comes from event data.
CREATE TABLE locations (
    location_id     uuid PRIMARY KEY,
    organization_id uuid             NOT NULL,
    name            text             NOT NULL,
    lat             double precision NOT NULL,
    lon             double precision NOT NULL,
    timezone        text             NOT NULL,
    address         text,
    version         integer          NOT NULL,
    opened_at       timestamptz      NOT NULL,
    updated_at      timestamptz      NOT NULL
);
-- GET /v1/locations: one organization's locations in keyset order.
CREATE INDEX locations_organization_idx ON locations (organization_id, location_id);
