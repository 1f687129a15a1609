-- Pickers find accounts and contacts by any part of their name as people type it. A trigram index
-- of the lower-cased names answers `LIKE '%text%'` without reading a hundred thousand rows. The
-- extension is the database's (in public); creating it is serialized, as several schemas of one
-- database may migrate at once.
SELECT pg_advisory_xact_lock(7417120012);
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
CREATE INDEX accounts_name_trigrams ON accounts USING gin (name_lower public.gin_trgm_ops);
CREATE INDEX contacts_name_trigrams ON contacts USING gin (name_lower public.gin_trgm_ops);
