-- Pricing policies (docs/pricing-policies.md) are streams of their own kind, registered in
-- `streams` like locations.
ALTER TABLE streams DROP CONSTRAINT streams_kind_check;
ALTER TABLE streams ADD CONSTRAINT streams_kind_check
    CHECK (kind IN ('location', 'pricing_policy'));

-- The catalogue quotes and bookings search for the policy of a vehicle: the current
-- version of every policy, written in the transaction of the append that made it current
-- (command_service/store/pricing_catalogue.py), so it never disagrees with the events.
-- Older versions stay in the events alone.
CREATE TABLE pricing_policies (
    policy_id       uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations,
    version         int  NOT NULL CHECK (version > 0),
    priority        int  NOT NULL,
    terms           jsonb NOT NULL
);
CREATE INDEX pricing_policies_organization_idx ON pricing_policies (organization_id);
