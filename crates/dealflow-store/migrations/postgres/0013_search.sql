-- The header's search finds opportunities, leads and activities the reader may see, and any
-- account or contact, by any part of a name, title, e-mail or phone, as people type: trigram
-- indexes (pg_trgm) of the lower-cased text, which PostgreSQL keeps in the writing transaction.
--
-- A manager sees their own records only, so a common word must not be looked up among a million
-- deals and then filtered by owner: the owner is the first column of the same GIN index
-- (btree_gin), and the index intersects the owner's entries with the text's inside one scan.
SELECT pg_advisory_xact_lock(7417120012);
CREATE EXTENSION IF NOT EXISTS btree_gin WITH SCHEMA public;

CREATE INDEX opportunities_search ON opportunities USING gin (owner_id, search_text public.gin_trgm_ops);
CREATE INDEX leads_search ON leads USING gin (owner_id, (lower(title)) public.gin_trgm_ops);
CREATE INDEX activities_search ON activities USING gin (owner_id, (lower(title_ru || ' ' || title_en)) public.gin_trgm_ops);

-- Accounts and contacts are the whole team's directory. The phone is also searched as bare
-- digits, so that "4951234" finds "+7 (495) 123-45-67".
CREATE INDEX accounts_search ON accounts USING gin ((lower(name || ' ' || coalesce(website, '') || ' ' || coalesce(phone, '') || ' '
    || regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'))) public.gin_trgm_ops);
CREATE INDEX contacts_search ON contacts USING gin ((lower(name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' '
    || regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'))) public.gin_trgm_ops);
