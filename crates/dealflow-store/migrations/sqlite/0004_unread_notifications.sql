-- Every page's header counts the reader's unread notifications: an index of the unread ones
-- alone keeps that count small for a supervisor with tens of thousands of read ones.
CREATE INDEX notifications_unread ON notifications (user_id) WHERE read_at IS NULL;
