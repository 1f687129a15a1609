-- Deal health (SPEC §9). The level each open deal was last assessed at, so that lists filter by
-- it and the analytics add the pipeline up by it; pages and the API show the live assessment.
ALTER TABLE opportunities ADD COLUMN health TEXT;
-- A team's open pipeline by level is added up from this index alone (SQLite reads a partial
-- index alone only when it holds its condition's columns too). Only changed levels are written.
CREATE INDEX opportunities_open_health ON opportunities (owner_id, health, amount, closed_at) WHERE closed_at IS NULL;
-- The team's median time on a stage comes from the latest departures from it.
CREATE INDEX stage_history_departures ON stage_history (from_stage, at);
