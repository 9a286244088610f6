-- Every stored event and every command-side registry row belongs to an organization
-- (docs/command-side.md, "Organizations"). Nothing stored is rewritten: a column added
-- with a constant default costs no table rewrite, and rows stored before this migration
-- read as `default`'s, the organization every earlier release wrote for. The default
-- stays for the same reason: a replica of the earlier release still appending during a
-- rolling upgrade writes for `default`. This release always names the organization.

ALTER TABLE events
    ADD COLUMN organization_id uuid NOT NULL DEFAULT '00000000-0000-4000-8000-000000000001';
-- The catch-up feed of one organization, in relay order, without walking the others'.
CREATE INDEX events_organization_order_idx
    ON events (organization_id, transaction_id, global_position);

-- VIN and plate are unique within an organization: the same car may move from one
-- dealer to another. The primary keys keep their names (the store translates them).
ALTER TABLE vehicle_vins
    ADD COLUMN organization_id uuid NOT NULL DEFAULT '00000000-0000-4000-8000-000000000001';
ALTER TABLE vehicle_vins DROP CONSTRAINT vehicle_vins_pkey;
ALTER TABLE vehicle_vins ADD CONSTRAINT vehicle_vins_pkey PRIMARY KEY (organization_id, vin);

ALTER TABLE vehicle_plates
    ADD COLUMN organization_id uuid NOT NULL DEFAULT '00000000-0000-4000-8000-000000000001';
ALTER TABLE vehicle_plates DROP CONSTRAINT vehicle_plates_pkey;
ALTER TABLE vehicle_plates
    ADD CONSTRAINT vehicle_plates_pkey PRIMARY KEY (organization_id, plate_key);
