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

UPDATE opportunities o SET stage_entered_at = last.at, reached_stages = last.reached
FROM (
    SELECT h.opportunity_id,
           (ARRAY_AGG(h.at ORDER BY h.seq DESC))[1] AS at,
           ',' || STRING_AGG(DISTINCT h.to_stage, ',') || ',' AS reached
    FROM stage_history h GROUP BY h.opportunity_id
) last
WHERE last.opportunity_id = o.id;

-- An entry was left when the next one was written.
INSERT INTO stage_time_totals (owner_id, stage, entries, millis)
SELECT o.owner_id, h.to_stage, COUNT(*), SUM(CASE WHEN n.at > h.at THEN n.at - h.at ELSE 0 END)
FROM stage_history h
JOIN stage_history n ON n.opportunity_id = h.opportunity_id AND n.seq = h.seq + 1
JOIN opportunities o ON o.id = h.opportunity_id
GROUP BY o.owner_id, h.to_stage;

CREATE FUNCTION stage_history_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stage_time_totals (owner_id, stage, entries, millis)
    SELECT o.owner_id, NEW.from_stage, 1, CASE WHEN NEW.at > o.stage_entered_at THEN NEW.at - o.stage_entered_at ELSE 0 END
    FROM opportunities o WHERE o.id = NEW.opportunity_id AND NEW.from_stage IS NOT NULL AND o.stage_entered_at IS NOT NULL
    ON CONFLICT (owner_id, stage) DO UPDATE
        SET entries = stage_time_totals.entries + EXCLUDED.entries, millis = stage_time_totals.millis + EXCLUDED.millis;
    UPDATE opportunities SET
        stage_entered_at = NEW.at,
        reached_stages = CASE
            WHEN strpos(reached_stages, ',' || NEW.to_stage || ',') > 0 THEN reached_stages
            WHEN reached_stages = '' THEN ',' || NEW.to_stage || ','
            ELSE reached_stages || NEW.to_stage || ',' END
    WHERE id = NEW.opportunity_id;
    RETURN NULL;
END
$$;

CREATE TRIGGER stage_history_written AFTER INSERT ON stage_history
FOR EACH ROW EXECUTE FUNCTION stage_history_written();

-- A new owner takes the time the opportunity spent on the stages it left with it.
CREATE FUNCTION opportunities_owner_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO stage_time_totals (owner_id, stage, entries, millis)
    SELECT owners.owner_id, h.to_stage, owners.sign * COUNT(*), owners.sign * SUM(CASE WHEN n.at > h.at THEN n.at - h.at ELSE 0 END)
    FROM stage_history h JOIN stage_history n ON n.opportunity_id = h.opportunity_id AND n.seq = h.seq + 1
    CROSS JOIN (VALUES (OLD.owner_id, -1), (NEW.owner_id, 1)) AS owners (owner_id, sign)
    WHERE h.opportunity_id = NEW.id GROUP BY owners.owner_id, owners.sign, h.to_stage
    ON CONFLICT (owner_id, stage) DO UPDATE
        SET entries = stage_time_totals.entries + EXCLUDED.entries, millis = stage_time_totals.millis + EXCLUDED.millis;
    RETURN NULL;
END
$$;

CREATE TRIGGER opportunities_owner_changed AFTER UPDATE OF owner_id ON opportunities
FOR EACH ROW WHEN (OLD.owner_id <> NEW.owner_id) EXECUTE FUNCTION opportunities_owner_changed();

-- The analytics read a team's opportunities from this index alone.
CREATE INDEX opportunities_analytics ON opportunities (owner_id, created_at, stage, close_reason, reached_stages, amount,
    probability, closed_at, actual_revenue, hours_spent, stage_entered_at);
