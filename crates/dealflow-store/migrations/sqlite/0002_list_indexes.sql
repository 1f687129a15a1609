-- Keyset pages of the lists, newest first, whole and per owner; the schedule's window by start;
-- the live poller's look at what was created since it last looked.
CREATE INDEX opportunities_created ON opportunities (created_at, id);
CREATE INDEX opportunities_owner_created ON opportunities (owner_id, created_at, id);
CREATE INDEX leads_created ON leads (created_at, id);
CREATE INDEX activities_owner_start ON activities (owner_id, start_at);
CREATE INDEX notifications_created ON notifications (created_at);
