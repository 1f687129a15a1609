-- Every person reads and enters times in their own zone, an IANA name. NULL until their browser
-- names one at their first sign-in (or an administrator does); meanwhile the setting
-- default_time_zone applies.
ALTER TABLE users ADD COLUMN time_zone TEXT;
