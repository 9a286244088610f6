-- Streams of other kinds than vehicles (locations now, pricing policies next): one row
-- per stream, naming its kind and organization, written by the very append that opens
-- the stream (command_service/store/streams.py), like the VIN registry beside a
-- vehicle's first event. Locations are never deleted, so a row once written stays true:
-- a vehicle's location_id is checked against it (unknown or another organization's: 404).
CREATE TABLE streams (
    stream_id       uuid PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('location')),
    organization_id uuid NOT NULL REFERENCES organizations,
    opened_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX streams_organization_idx ON streams (organization_id, kind);
