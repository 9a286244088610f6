-- The decision state row is opaque to SQL: store it as bytes (no jsonb parse on every
-- write) and uncompressed out of line (no pglz pass over a hot vehicle's calendar).
ALTER TABLE vehicle_state ALTER COLUMN state TYPE bytea USING convert_to(state::text, 'UTF8');
ALTER TABLE vehicle_state ALTER COLUMN state SET STORAGE EXTERNAL;
