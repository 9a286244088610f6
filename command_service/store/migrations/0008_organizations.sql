-- Organizations: every account belongs to exactly one. An installation upgraded from a
-- single-fleet release keeps working unchanged: its accounts join `default`, whose id is
-- fixed (shared/contract/organizations.py) because events stored before this migration
-- are read as `default`'s without a lookup (shared/contract/upcasting.py).

CREATE TABLE organizations (
    organization_id uuid PRIMARY KEY,
    slug            text NOT NULL UNIQUE,
    name            text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text NOT NULL
);

INSERT INTO organizations (organization_id, slug, name, created_by)
VALUES ('00000000-0000-4000-8000-000000000001', 'default', 'Default', 'system:migration');

-- Emails stay unique across the installation: signing in names no organization.
ALTER TABLE users
    ADD COLUMN organization_id uuid NOT NULL
        DEFAULT '00000000-0000-4000-8000-000000000001' REFERENCES organizations;
CREATE INDEX users_organization_idx ON users (organization_id);

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('customer', 'fleet_manager', 'admin', 'platform_admin', 'service'));
