-- Reminders before an activity's start (meetings, calls) or due time (tasks, e-mails): each person
-- chooses how long before (0 is off; 15 minutes unless they choose), and an activity remembers
-- when its reminder went out, so that no node sends it twice. Rescheduling forgets it.
ALTER TABLE users ADD COLUMN reminder_minutes BIGINT NOT NULL DEFAULT 15;
ALTER TABLE activities ADD COLUMN reminded_at BIGINT;
-- The open activities still waiting for a reminder, by the moment they begin.
CREATE INDEX activities_awaiting_reminder ON activities ((COALESCE(start_at, due_at)))
    WHERE reminded_at IS NULL AND status IN ('not_started', 'in_progress');
