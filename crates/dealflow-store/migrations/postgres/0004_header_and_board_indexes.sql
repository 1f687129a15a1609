-- Every page's header counts the reader's unread notifications: an index of the unread ones
-- alone keeps that count small for a supervisor with tens of thousands of read ones.
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;

-- The pipeline board: per stage, a team's count and amount, and each column's newest cards. One
-- index serves both (the amount is there so the totals never read the table); it replaces the
-- narrower one on (owner_id, stage).
CREATE INDEX opportunities_owner_stage_created ON opportunities (owner_id, stage, created_at, id, amount);
DROP INDEX opportunities_owner_stage;
