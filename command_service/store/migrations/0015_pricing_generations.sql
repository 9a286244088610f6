-- The generation of each organization's pricing catalogue: bumped in the transaction of
-- every append that changes a policy or a vehicle's matching facts (pricing_vehicles),
-- read with a vehicle's state. A command service prices from its in-process copy of the
-- policies and of how many vehicles each wins while the generation stays the same, so a
-- booking costs no statement of its own for pricing (docs/quotes-and-demand.md).
CREATE TABLE pricing_generations (
    organization_id uuid PRIMARY KEY,
    generation      bigint NOT NULL
);
INSERT INTO pricing_generations (organization_id, generation)
SELECT organization_id, 1 FROM organizations;
