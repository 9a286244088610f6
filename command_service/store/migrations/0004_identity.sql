-- Identity: users, refresh-token families, signing keys and login throttling.
-- Not events: accounts are not part of a vehicle's stream, and passwords or token
-- hashes must never reach the Kafka topic. Role changes keep their own audit rows.

CREATE TABLE users (
    user_id       uuid PRIMARY KEY,
    email         text NOT NULL UNIQUE,           -- normalised (NFKC, trimmed, lower case)
    name          text NOT NULL,
    password_hash text NOT NULL,                  -- argon2id, PHC string
    role          text NOT NULL CHECK (role IN ('customer', 'fleet_manager', 'admin', 'service')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE role_changes (
    user_id    uuid NOT NULL REFERENCES users,
    old_role   text NOT NULL,
    new_role   text NOT NULL,
    changed_by text NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now()
);

-- One row per refresh token ever issued; a family is one sign-in and its rotations.
CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,                 -- sha256 of the opaque token
    family_id  uuid NOT NULL,
    user_id    uuid NOT NULL REFERENCES users,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,                       -- set when exchanged for a new pair
    revoked_at timestamptz                        -- set on logout or detected reuse
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

-- Ed25519 signing keys. A key is published from creation, signs from activates_at
-- (so verifiers can learn it first) until retired_at, and stays published until every
-- token it signed has expired.
CREATE TABLE signing_keys (
    kid          text PRIMARY KEY,
    private_key  bytea NOT NULL,                  -- PKCS#8 DER
    public_jwk   jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    activates_at timestamptz NOT NULL DEFAULT now(),
    retired_at   timestamptz
);

-- Fixed-window counters shared by every worker: (bucket, window start) → hits.
CREATE TABLE auth_throttle (
    bucket       text NOT NULL,
    window_start timestamptz NOT NULL,
    hits         integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
