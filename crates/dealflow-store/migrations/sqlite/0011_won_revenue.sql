-- One definition of what a deal is worth, used by the board, the lists and the analytics alike:
-- its actual revenue once someone entered it, else its amount. A deal won by its last task
-- without a figure so counts its amount until another is entered. The board's totals follow it.
DROP TRIGGER pipeline_totals_added;
DROP TRIGGER pipeline_totals_changed;
DROP TRIGGER pipeline_totals_removed;

CREATE TRIGGER pipeline_totals_added AFTER INSERT ON opportunities
BEGIN
    INSERT INTO pipeline_totals (owner_id, stage, opportunities, amount)
    VALUES (NEW.owner_id, NEW.stage, 1, COALESCE(NEW.actual_revenue, NEW.amount, 0))
    ON CONFLICT (owner_id, stage) DO UPDATE SET opportunities = opportunities + 1, amount = amount + excluded.amount;
END;

CREATE TRIGGER pipeline_totals_changed AFTER UPDATE OF owner_id, stage, amount, actual_revenue ON opportunities
WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.stage IS NOT NEW.stage OR OLD.amount IS NOT NEW.amount
    OR OLD.actual_revenue IS NOT NEW.actual_revenue
BEGIN
    UPDATE pipeline_totals SET opportunities = opportunities - 1, amount = amount - COALESCE(OLD.actual_revenue, OLD.amount, 0)
    WHERE owner_id = OLD.owner_id AND stage = OLD.stage;
    INSERT INTO pipeline_totals (owner_id, stage, opportunities, amount)
    VALUES (NEW.owner_id, NEW.stage, 1, COALESCE(NEW.actual_revenue, NEW.amount, 0))
    ON CONFLICT (owner_id, stage) DO UPDATE SET opportunities = opportunities + 1, amount = amount + excluded.amount;
END;

CREATE TRIGGER pipeline_totals_removed AFTER DELETE ON opportunities
BEGIN
    UPDATE pipeline_totals SET opportunities = opportunities - 1, amount = amount - COALESCE(OLD.actual_revenue, OLD.amount, 0)
    WHERE owner_id = OLD.owner_id AND stage = OLD.stage;
END;

DELETE FROM pipeline_totals;
INSERT INTO pipeline_totals (owner_id, stage, opportunities, amount)
SELECT owner_id, stage, COUNT(*), COALESCE(SUM(COALESCE(actual_revenue, amount)), 0) FROM opportunities GROUP BY owner_id, stage;
