-- Each opportunity's soonest open activity (its start, else its due time), kept by triggers as
-- activities are planned, moved, done, cancelled or given to another deal: the list sorts a
-- team's deals by it from an index instead of asking every deal for its activities (540 ms for
-- a team of 50,000 deals).
ALTER TABLE opportunities ADD COLUMN next_activity_at BIGINT;

UPDATE opportunities SET next_activity_at = soonest.at
FROM (SELECT opportunity_id, MIN(COALESCE(start_at, due_at)) AS at FROM activities
      WHERE status IN ('not_started', 'in_progress') AND opportunity_id IS NOT NULL GROUP BY opportunity_id) AS soonest
WHERE soonest.opportunity_id = opportunities.id;

CREATE INDEX opportunities_owner_next_activity ON opportunities (owner_id, next_activity_at, id);
-- The list of a team's deals by what they are worth, from the index alone (160 ms from the rows).
CREATE INDEX opportunities_owner_worth ON opportunities (owner_id, actual_revenue, amount, id);

-- A new open activity can only bring the deal's next one closer: no need to read the others.
CREATE TRIGGER next_activity_added AFTER INSERT ON activities
WHEN NEW.opportunity_id IS NOT NULL AND NEW.status IN ('not_started', 'in_progress') AND COALESCE(NEW.start_at, NEW.due_at) IS NOT NULL
BEGIN
    UPDATE opportunities SET next_activity_at = COALESCE(NEW.start_at, NEW.due_at)
    WHERE id = NEW.opportunity_id AND (next_activity_at IS NULL OR next_activity_at > COALESCE(NEW.start_at, NEW.due_at));
END;

CREATE TRIGGER next_activity_changed AFTER UPDATE OF status, start_at, due_at, opportunity_id ON activities
WHEN (OLD.opportunity_id IS NOT NULL OR NEW.opportunity_id IS NOT NULL) AND (OLD.status IS NOT NEW.status
    OR OLD.start_at IS NOT NEW.start_at OR OLD.due_at IS NOT NEW.due_at OR OLD.opportunity_id IS NOT NEW.opportunity_id)
BEGIN
    UPDATE opportunities SET next_activity_at = (
        SELECT MIN(COALESCE(a.start_at, a.due_at)) FROM activities a
        WHERE a.opportunity_id = opportunities.id AND a.status IN ('not_started', 'in_progress'))
    WHERE id IN (OLD.opportunity_id, NEW.opportunity_id);
END;

CREATE TRIGGER next_activity_removed AFTER DELETE ON activities WHEN OLD.opportunity_id IS NOT NULL
BEGIN
    UPDATE opportunities SET next_activity_at = (
        SELECT MIN(COALESCE(a.start_at, a.due_at)) FROM activities a
        WHERE a.opportunity_id = opportunities.id AND a.status IN ('not_started', 'in_progress'))
    WHERE id = OLD.opportunity_id;
END;
