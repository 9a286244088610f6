-- Per-stream projection progress (vehicles, locations: stream ids are unique across
-- kinds), in the same schema as the read models it guards: an event is applied only
-- when its version is exactly version + 1 (DESIGN §5).
CREATE TABLE stream_tracking (
    stream_id       uuid PRIMARY KEY,
    version         integer     NOT NULL,
    global_position bigint      NOT NULL,
    last_event_at   timestamptz NOT NULL
);

-- How far the feed healer has walked the command service's catch-up feed
-- (bookkeeping, not a read model: excluded from rebuild comparisons).
CREATE TABLE feed_cursor (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    after_position bigint  NOT NULL
);
INSERT INTO feed_cursor (after_position) VALUES (0);
