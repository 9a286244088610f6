-- The second wall of isolation (docs/read-side.md), applied to every table of a generation
-- that has an organization_id column. The API reads as the role fleet_reader, which is not
-- the owner and has no BYPASSRLS, so the policy applies; the projection writer is the owner
-- and is not subject to it. Without a setting nothing is visible. Each setting is read in
-- a scalar subquery: an InitPlan evaluated once per query, not current_setting and a
-- text-to-uuid cast for every row scanned.
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
GRANT SELECT ON {table} TO fleet_reader;
CREATE POLICY organization_rows ON {table} FOR SELECT TO fleet_reader USING (
    organization_id = (SELECT NULLIF(current_setting('fleet.organization', true), '')::uuid)
    OR (SELECT current_setting('fleet.every_organization', true) = 'on')
);
