-- Every path that creates an account now names its organization (registration at a slug,
-- staff created for an organization, the bootstrap and CLI accounts in `default`), so the
-- column default 0008 kept for older inserts goes: an insert that forgets the
-- organization fails instead of silently joining `default`.

ALTER TABLE users ALTER COLUMN organization_id DROP DEFAULT;
