-- Identity lifecycle: disabled accounts, token generations and the revocation feed.

-- A disabled account cannot sign in, refresh or act. Bumping token_generation voids
-- every access token issued before (tokens carry the generation as claim `gen`).
ALTER TABLE users
    ADD COLUMN disabled_at      timestamptz,
    ADD COLUMN disabled_by      text,
    ADD COLUMN token_generation integer NOT NULL DEFAULT 0;

-- What every process pulls (by seq) to refuse revoked access tokens before they expire:
-- 'account' rows void the user's tokens below `generation`, 'session' rows void the
-- tokens of one sign-in (claim `sid`, the refresh-token family). Writers take an
-- EXCLUSIVE lock first, so seq order is commit order and a reader's cursor skips nothing.
CREATE TABLE token_revocations (
    seq        bigserial PRIMARY KEY,
    kind       text NOT NULL CHECK (kind IN ('account', 'session')),
    subject    uuid NOT NULL,
    generation integer NOT NULL DEFAULT 0,
    reason     text NOT NULL,
    revoked_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL                -- past it, no token it voids is valid
);

-- Events name their actor (`<role>:<user_id>`) for good: accounts are disabled, never
-- deleted, so every actor of the log stays a row here.
CREATE FUNCTION refuse_user_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'accounts are disabled, never deleted (events name them as actors)';
END $$;
CREATE TRIGGER users_never_deleted BEFORE DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION refuse_user_delete();
