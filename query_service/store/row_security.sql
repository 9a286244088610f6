-- The second wall of isolation (docs/read-side.md), applied to every table of a generation
-- that has an organization_id column. The API reads as the role fleet_reader, which is not
-- the owner and has no BYPASSRLS, so the policy applies; the projection writer is the owner
-- and is not subject to it. Without a setting nothing is visible. current_setting is
-- STABLE: evaluated once per scan, the comparison can use an index on organization_id.
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON {table} TO fleet_reader;
CREATE POLICY organization_rows ON {table} FOR SELECT TO fleet_reader USING (
    organization_id = NULLIF(current_setting('fleet.organization', true), '')::uuid
    OR current_setting('fleet.every_organization', true) = 'on'
);
