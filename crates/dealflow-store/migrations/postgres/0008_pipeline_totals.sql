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

CREATE FUNCTION pipeline_totals_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE pipeline_totals SET opportunities = opportunities - 1, amount = amount - COALESCE(OLD.amount, 0)
        WHERE owner_id = OLD.owner_id AND stage = OLD.stage;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO pipeline_totals (owner_id, stage, opportunities, amount) VALUES (NEW.owner_id, NEW.stage, 1, COALESCE(NEW.amount, 0))
        ON CONFLICT (owner_id, stage) DO UPDATE
            SET opportunities = pipeline_totals.opportunities + 1, amount = pipeline_totals.amount + EXCLUDED.amount;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER pipeline_totals_added AFTER INSERT ON opportunities
FOR EACH ROW EXECUTE FUNCTION pipeline_totals_kept();

CREATE TRIGGER pipeline_totals_changed AFTER UPDATE OF owner_id, stage, amount ON opportunities
FOR EACH ROW WHEN (OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.stage IS DISTINCT FROM NEW.stage OR OLD.amount IS DISTINCT FROM NEW.amount)
EXECUTE FUNCTION pipeline_totals_kept();

CREATE TRIGGER pipeline_totals_removed AFTER DELETE ON opportunities
FOR EACH ROW EXECUTE FUNCTION pipeline_totals_kept();
