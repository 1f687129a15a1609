-- Deal health (SPEC §9). The level each open deal was last assessed at, so that lists filter by
-- it and the analytics add the pipeline up by it; pages and the API show the live assessment.
-- Not indexed: an index on it would turn every daily reassessment into index writes as well.
ALTER TABLE opportunities ADD COLUMN health TEXT;
-- The team's median time on a stage comes from the latest departures from it.
CREATE INDEX stage_history_departures ON stage_history (from_stage, at);
