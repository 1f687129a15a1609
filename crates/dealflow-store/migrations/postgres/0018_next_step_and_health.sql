-- The next-step watchdog (SPEC §9). Each open stage gives a period for planning
-- the next step; a deal without an open activity due within it is stale.
ALTER TABLE opportunity_stages ADD COLUMN next_step_days BIGINT NOT NULL DEFAULT 0;
UPDATE opportunity_stages SET next_step_days = CASE code
    WHEN 'qualification' THEN 5 WHEN 'proposal' THEN 10 ELSE 7 END
WHERE is_final = 0;

-- The deals the watchdog found stale: since when, and when they had stayed stale for twice
-- their period; a row goes once the deal has a next step again or closes. Kept apart from the
-- deals' wide rows and keyed by owner first, as the watchdog walks them, so that marking a
-- hundred thousand deals writes short rows in order. No foreign key: checking one would lock
-- each marked deal's row as well.
CREATE TABLE stale_deals (
    owner_id TEXT NOT NULL,
    opportunity_id TEXT NOT NULL,
    since BIGINT NOT NULL,
    escalated_at BIGINT,
    PRIMARY KEY (owner_id, opportunity_id)
);
-- How often the expected close date was moved later (deal health weighs it).
ALTER TABLE opportunities ADD COLUMN close_date_pushes BIGINT NOT NULL DEFAULT 0;

-- Jobs that run once a day for the whole team, whichever node gets there first: a node holds a
-- day's run for a while and records how far it got, so another node resumes where it stopped.
CREATE TABLE daily_runs (
    job TEXT NOT NULL,
    day TEXT NOT NULL,
    after_id TEXT NOT NULL DEFAULT '',
    held_until BIGINT NOT NULL,
    finished_at BIGINT,
    PRIMARY KEY (job, day)
);
