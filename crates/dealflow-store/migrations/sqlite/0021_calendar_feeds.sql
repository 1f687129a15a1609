-- Calendar feeds (SPEC §9): a user's secret iCalendar address, one at a time, kept hashed like
-- tokens. `scope` is `own` (the user's activities) or `team` (everyone they may see).
CREATE TABLE calendar_feeds (
    user_id TEXT PRIMARY KEY REFERENCES users (id),
    secret_hash TEXT NOT NULL UNIQUE,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
