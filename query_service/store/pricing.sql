-- The pricing read models (read_models/pricing.py, docs/pricing-read.md): a policy's current
-- version, and every version ever published; each value comes from event data. Terms are
-- the event's whole PricingTerms as JSON text (text, not jsonb, so a page may write many
-- rows by binary COPY).
CREATE TABLE pricing_policies (
    policy_id       uuid        PRIMARY KEY,
    organization_id uuid        NOT NULL,
    version         integer     NOT NULL,
    terms           text        NOT NULL,
    published_at    timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
-- GET /v1/pricing/policies: one organization's policies in keyset order.
CREATE INDEX pricing_policies_organization_idx ON pricing_policies (organization_id, policy_id);

-- One row per version, keyed by the event that published it (a stream's version is
-- applied once, so (policy_id, version) is unique too).
CREATE TABLE pricing_policy_versions (
    event_id        uuid        PRIMARY KEY,
    policy_id       uuid        NOT NULL,
    version         integer     NOT NULL,
    organization_id uuid        NOT NULL,
    terms           text        NOT NULL,
    published_at    timestamptz NOT NULL
);
CREATE INDEX pricing_policy_versions_policy_idx ON pricing_policy_versions (policy_id, version);
