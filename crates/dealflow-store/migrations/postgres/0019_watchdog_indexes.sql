-- The watchdog walks every owner's open deals once a day: from an index of the open ones alone
-- (a million deals' rows are gigabytes, their open part in this index tens of megabytes;
-- SQLite reads a partial index alone only when it holds the columns of its condition too).
CREATE INDEX opportunities_open_by_owner ON opportunities (owner_id, id, stage, closed_at) WHERE closed_at IS NULL;
-- Each open deal's next activity still ahead is one step into this one.
CREATE INDEX activities_open_by_deal ON activities (opportunity_id, (COALESCE(start_at, due_at)))
    WHERE status IN ('not_started', 'in_progress');
