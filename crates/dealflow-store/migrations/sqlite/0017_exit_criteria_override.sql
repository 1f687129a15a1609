-- Why a supervisor or administrator moved a deal on with its exit criteria unmet (SPEC §9).
ALTER TABLE stage_history ADD COLUMN override_reason TEXT;
