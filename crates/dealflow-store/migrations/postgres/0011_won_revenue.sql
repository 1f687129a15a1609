-- One definition of what a deal is worth, used by the board, the lists and the analytics alike:
-- its actual revenue once someone entered it, else its amount. A deal won by its last task
-- without a figure so counts its amount until another is entered. The board's totals follow it.
CREATE OR REPLACE FUNCTION pipeline_totals_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE pipeline_totals SET opportunities = opportunities - 1, amount = amount - COALESCE(OLD.actual_revenue, OLD.amount, 0)
        WHERE owner_id = OLD.owner_id AND stage = OLD.stage;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO pipeline_totals (owner_id, stage, opportunities, amount)
        VALUES (NEW.owner_id, NEW.stage, 1, COALESCE(NEW.actual_revenue, NEW.amount, 0))
        ON CONFLICT (owner_id, stage) DO UPDATE
            SET opportunities = pipeline_totals.opportunities + 1, amount = pipeline_totals.amount + EXCLUDED.amount;
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER pipeline_totals_changed ON opportunities;
CREATE TRIGGER pipeline_totals_changed AFTER UPDATE OF owner_id, stage, amount, actual_revenue ON opportunities
FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.stage IS DISTINCT FROM NEW.stage
    OR OLD.amount IS DISTINCT FROM NEW.amount OR OLD.actual_revenue IS DISTINCT FROM NEW.actual_revenue)
EXECUTE FUNCTION pipeline_totals_kept();

DELETE FROM pipeline_totals;
INSERT INTO pipeline_totals (owner_id, stage, opportunities, amount)
SELECT owner_id, stage, COUNT(*), COALESCE(SUM(COALESCE(actual_revenue, amount)), 0) FROM opportunities GROUP BY owner_id, stage;
