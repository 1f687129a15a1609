-- Each opportunity's soonest open activity (its start, else its due time), kept by triggers as
-- activities are planned, moved, done, cancelled or given to another deal: the list sorts a
-- team's deals by it from an index instead of asking every deal for its activities.
ALTER TABLE opportunities ADD COLUMN next_activity_at BIGINT;

UPDATE opportunities SET next_activity_at = soonest.at
FROM (SELECT opportunity_id, MIN(COALESCE(start_at, due_at)) AS at FROM activities
      WHERE status IN ('not_started', 'in_progress') AND opportunity_id IS NOT NULL GROUP BY opportunity_id) AS soonest
WHERE soonest.opportunity_id = opportunities.id;

CREATE INDEX opportunities_owner_next_activity ON opportunities (owner_id, next_activity_at, id);
-- The list of a team's deals by what they are worth, from the index alone (160 ms from the rows).
CREATE INDEX opportunities_owner_worth ON opportunities (owner_id, actual_revenue, amount, id);

CREATE FUNCTION next_activity_kept() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    touched TEXT[] := ARRAY[]::TEXT[];
    soonest BIGINT;
BEGIN
    -- A new open activity can only bring the deal's next one closer: no need to read the others.
    IF TG_OP = 'INSERT' THEN
        soonest := COALESCE(NEW.start_at, NEW.due_at);
        IF NEW.status IN ('not_started', 'in_progress') AND soonest IS NOT NULL THEN
            UPDATE opportunities SET next_activity_at = soonest
            WHERE id = NEW.opportunity_id AND (next_activity_at IS NULL OR next_activity_at > soonest);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.opportunity_id IS NOT NULL THEN
        touched := touched || OLD.opportunity_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.opportunity_id IS NOT NULL THEN
        touched := touched || NEW.opportunity_id;
    END IF;
    UPDATE opportunities o SET next_activity_at = (
        SELECT MIN(COALESCE(a.start_at, a.due_at)) FROM activities a
        WHERE a.opportunity_id = o.id AND a.status IN ('not_started', 'in_progress'))
    WHERE o.id = ANY (touched);
    RETURN NULL;
END
$$;

CREATE TRIGGER next_activity_added AFTER INSERT ON activities
FOR EACH ROW WHEN (NEW.opportunity_id IS NOT NULL) EXECUTE FUNCTION next_activity_kept();

CREATE TRIGGER next_activity_changed AFTER UPDATE OF status, start_at, due_at, opportunity_id ON activities
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.start_at IS DISTINCT FROM NEW.start_at
    OR OLD.due_at IS DISTINCT FROM NEW.due_at OR OLD.opportunity_id IS DISTINCT FROM NEW.opportunity_id)
EXECUTE FUNCTION next_activity_kept();

CREATE TRIGGER next_activity_removed AFTER DELETE ON activities
FOR EACH ROW WHEN (OLD.opportunity_id IS NOT NULL) EXECUTE FUNCTION next_activity_kept();
