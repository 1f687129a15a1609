-- Analytics without reading the history. Each opportunity keeps the stages it has ever been on
-- (",qualification,presentation,") and when it entered its current one; the time spent on
-- stages already left is added up per owner and stage. Triggers keep all three as history is
-- written and owners change, whoever writes them; existing data is filled in first.
ALTER TABLE opportunities ADD COLUMN reached_stages TEXT NOT NULL DEFAULT '';
ALTER TABLE opportunities ADD COLUMN stage_entered_at BIGINT;

CREATE TABLE stage_time_totals (
    owner_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    entries BIGINT NOT NULL,
    millis BIGINT NOT NULL,
    PRIMARY KEY (owner_id, stage)
);

UPDATE opportunities SET
    stage_entered_at = (SELECT h.at FROM stage_history h WHERE h.opportunity_id = opportunities.id ORDER BY h.seq DESC LIMIT 1),
    reached_stages = COALESCE(
        (SELECT ',' || group_concat(DISTINCT h.to_stage) || ',' FROM stage_history h WHERE h.opportunity_id = opportunities.id), '');

-- An entry was left when the next one was written.
INSERT INTO stage_time_totals (owner_id, stage, entries, millis)
SELECT o.owner_id, h.to_stage, COUNT(*), SUM(CASE WHEN n.at > h.at THEN n.at - h.at ELSE 0 END)
FROM stage_history h
JOIN stage_history n ON n.opportunity_id = h.opportunity_id AND n.seq = h.seq + 1
JOIN opportunities o ON o.id = h.opportunity_id
GROUP BY o.owner_id, h.to_stage;

CREATE TRIGGER stage_history_written AFTER INSERT ON stage_history
BEGIN
    INSERT INTO stage_time_totals (owner_id, stage, entries, millis)
    SELECT owner_id, NEW.from_stage, 1, CASE WHEN NEW.at > stage_entered_at THEN NEW.at - stage_entered_at ELSE 0 END
    FROM opportunities WHERE id = NEW.opportunity_id AND NEW.from_stage IS NOT NULL AND stage_entered_at IS NOT NULL
    ON CONFLICT (owner_id, stage) DO UPDATE SET entries = entries + excluded.entries, millis = millis + excluded.millis;
    UPDATE opportunities SET
        stage_entered_at = NEW.at,
        reached_stages = CASE
            WHEN instr(reached_stages, ',' || NEW.to_stage || ',') > 0 THEN reached_stages
            WHEN reached_stages = '' THEN ',' || NEW.to_stage || ','
            ELSE reached_stages || NEW.to_stage || ',' END
    WHERE id = NEW.opportunity_id;
END;

-- A new owner takes the time the opportunity spent on the stages it left with it.
CREATE TRIGGER opportunities_owner_changed AFTER UPDATE OF owner_id ON opportunities
WHEN OLD.owner_id <> NEW.owner_id
BEGIN
    INSERT INTO stage_time_totals (owner_id, stage, entries, millis)
    SELECT OLD.owner_id, h.to_stage, -COUNT(*), -SUM(CASE WHEN n.at > h.at THEN n.at - h.at ELSE 0 END)
    FROM stage_history h JOIN stage_history n ON n.opportunity_id = h.opportunity_id AND n.seq = h.seq + 1
    WHERE h.opportunity_id = NEW.id GROUP BY h.to_stage
    ON CONFLICT (owner_id, stage) DO UPDATE SET entries = entries + excluded.entries, millis = millis + excluded.millis;
    INSERT INTO stage_time_totals (owner_id, stage, entries, millis)
    SELECT NEW.owner_id, h.to_stage, COUNT(*), SUM(CASE WHEN n.at > h.at THEN n.at - h.at ELSE 0 END)
    FROM stage_history h JOIN stage_history n ON n.opportunity_id = h.opportunity_id AND n.seq = h.seq + 1
    WHERE h.opportunity_id = NEW.id GROUP BY h.to_stage
    ON CONFLICT (owner_id, stage) DO UPDATE SET entries = entries + excluded.entries, millis = millis + excluded.millis;
END;

-- The analytics read a team's opportunities from this index alone.
CREATE INDEX opportunities_analytics ON opportunities (owner_id, created_at, stage, close_reason, reached_stages, amount,
    probability, closed_at, actual_revenue, hours_spent, stage_entered_at);
