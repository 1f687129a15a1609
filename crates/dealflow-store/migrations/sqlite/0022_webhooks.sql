-- Webhooks (SPEC §9). Endpoints administrators register; the outbox, one row per event written
-- in the transaction of its change; and each endpoint's deliveries of those events.
CREATE TABLE webhook_endpoints (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    -- Kept as given: deliveries are signed with it.
    secret TEXT NOT NULL,
    -- A JSON array of event types.
    event_types TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- Set when a delivery gave up after its day of retries; cleared by a delivery that succeeds.
    failing_since BIGINT,
    -- The node delivering to it and until when (a lease another node takes over once it lapses).
    lease_owner TEXT,
    lease_until BIGINT
);

CREATE TABLE webhook_outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    opportunity_id TEXT,
    occurred_at BIGINT NOT NULL,
    -- The event's `data`, JSON.
    data TEXT NOT NULL,
    -- Whether deliveries were made of it for the endpoints of the time.
    fanned_out INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX webhook_outbox_waiting ON webhook_outbox (fanned_out, seq);

CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_seq BIGINT NOT NULL,
    -- `pending`, `delivered` or `failed` (gave up).
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    first_attempt_at BIGINT,
    last_attempt_at BIGINT,
    answer_code INTEGER,
    error TEXT,
    duration_ms BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_queue ON webhook_deliveries (endpoint_id, status, event_seq);
-- Whether anything is due, asked every second by each node's worker.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_log ON webhook_deliveries (endpoint_id, created_at);
-- Whether an event still has a delivery to make, for sweeping old events away.
CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_seq);
