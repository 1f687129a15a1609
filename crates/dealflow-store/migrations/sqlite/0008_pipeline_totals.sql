-- The board's totals (how many deals and how much on each stage, per owner), kept by triggers as
-- opportunities are added, moved, re-valued or handed over, so that a team's board does not add
-- up tens of thousands of rows on every view.
CREATE TABLE pipeline_totals (
    owner_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    opportunities BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (owner_id, stage)
);

INSERT INTO pipeline_totals (owner_id, stage, opportunities, amount)
SELECT owner_id, stage, COUNT(*), COALESCE(SUM(amount), 0) FROM opportunities GROUP BY owner_id, stage;

CREATE TRIGGER pipeline_totals_added AFTER INSERT ON opportunities
BEGIN
    INSERT INTO pipeline_totals (owner_id, stage, opportunities, amount) VALUES (NEW.owner_id, NEW.stage, 1, COALESCE(NEW.amount, 0))
    ON CONFLICT (owner_id, stage) DO UPDATE SET opportunities = opportunities + 1, amount = amount + excluded.amount;
END;

CREATE TRIGGER pipeline_totals_changed AFTER UPDATE OF owner_id, stage, amount ON opportunities
WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.stage IS NOT NEW.stage OR OLD.amount IS NOT NEW.amount
BEGIN
    UPDATE pipeline_totals SET opportunities = opportunities - 1, amount = amount - COALESCE(OLD.amount, 0)
    WHERE owner_id = OLD.owner_id AND stage = OLD.stage;
    INSERT INTO pipeline_totals (owner_id, stage, opportunities, amount) VALUES (NEW.owner_id, NEW.stage, 1, COALESCE(NEW.amount, 0))
    ON CONFLICT (owner_id, stage) DO UPDATE SET opportunities = opportunities + 1, amount = amount + excluded.amount;
END;

CREATE TRIGGER pipeline_totals_removed AFTER DELETE ON opportunities
BEGIN
    UPDATE pipeline_totals SET opportunities = opportunities - 1, amount = amount - COALESCE(OLD.amount, 0)
    WHERE owner_id = OLD.owner_id AND stage = OLD.stage;
END;
