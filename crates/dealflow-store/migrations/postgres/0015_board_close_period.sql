-- The board narrowed to the deals expected to close in a period: each owner's deals of a stage
-- by expected close for the columns, and each owner's deals by expected close with what the
-- totals add up, so that the index alone answers them.
CREATE INDEX opportunities_owner_stage_close ON opportunities (owner_id, stage, close_date, created_at, id);
CREATE INDEX opportunities_owner_close_totals ON opportunities (owner_id, close_date, stage, amount, actual_revenue);
