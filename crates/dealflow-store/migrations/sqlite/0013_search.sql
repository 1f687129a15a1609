-- The header's search finds opportunities, leads and activities the reader may see, and any
-- account or contact, by any part of a name, title, e-mail or phone, as people type. One FTS5
-- trigram table per kind, kept by triggers in the writing transaction; the tokenizer folds case
-- in every script. The tables keep no copy of the text (contentless): a row's FTS rowid is its
-- key in search_keys, which maps it to the record's id. A changed record gets a new key, so the
-- newest keys are the records touched last, which the search lists first.
--
-- A manager sees their own records only, so a common word must not be looked up among a million
-- deals and then filtered by owner. Each owner has a scope mark: three characters from a private
-- use plane that make one trigram no text has, derived from the random tail of the owner's id.
-- Searching `scope : (mark OR mark …) AND body : "text"` intersects two posting lists inside the
-- index. The query still checks the owner, so a mark shared by chance only costs a candidate.
ALTER TABLE users ADD COLUMN search_scope TEXT GENERATED ALWAYS AS (char(
    983040 + 4096 * max(instr('0123456789abcdef', substr(id, -12, 1)) - 1, 0) + 256 * max(instr('0123456789abcdef', substr(id, -11, 1)) - 1, 0)
        + 16 * max(instr('0123456789abcdef', substr(id, -10, 1)) - 1, 0) + max(instr('0123456789abcdef', substr(id, -9, 1)) - 1, 0),
    983040 + 4096 * max(instr('0123456789abcdef', substr(id, -8, 1)) - 1, 0) + 256 * max(instr('0123456789abcdef', substr(id, -7, 1)) - 1, 0)
        + 16 * max(instr('0123456789abcdef', substr(id, -6, 1)) - 1, 0) + max(instr('0123456789abcdef', substr(id, -5, 1)) - 1, 0),
    983040 + 4096 * max(instr('0123456789abcdef', substr(id, -4, 1)) - 1, 0) + 256 * max(instr('0123456789abcdef', substr(id, -3, 1)) - 1, 0)
        + 16 * max(instr('0123456789abcdef', substr(id, -2, 1)) - 1, 0) + max(instr('0123456789abcdef', substr(id, -1, 1)) - 1, 0)
)) VIRTUAL;

CREATE TABLE search_keys (
    key INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE
);

-- Opportunities: the title with the account's and contact's names (search_text, made in Rust).
CREATE VIRTUAL TABLE opportunity_search USING fts5(scope, body, content = '', contentless_delete = 1, tokenize = 'trigram');
INSERT INTO search_keys (id) SELECT id FROM opportunities ORDER BY updated_at, id;
INSERT INTO opportunity_search (rowid, scope, body)
    SELECT k.key, u.search_scope, o.search_text FROM opportunities o JOIN search_keys k ON k.id = o.id JOIN users u ON u.id = o.owner_id;

CREATE TRIGGER opportunity_search_added AFTER INSERT ON opportunities
BEGIN
    INSERT INTO search_keys (id) VALUES (NEW.id);
    INSERT INTO opportunity_search (rowid, scope, body) VALUES ((SELECT key FROM search_keys WHERE id = NEW.id),
        (SELECT search_scope FROM users WHERE id = NEW.owner_id), NEW.search_text);
END;

CREATE TRIGGER opportunity_search_changed AFTER UPDATE OF owner_id, search_text ON opportunities
    WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.search_text IS NOT NEW.search_text
BEGIN
    DELETE FROM opportunity_search WHERE rowid = (SELECT key FROM search_keys WHERE id = OLD.id);
    DELETE FROM search_keys WHERE id = OLD.id;
    INSERT INTO search_keys (id) VALUES (NEW.id);
    INSERT INTO opportunity_search (rowid, scope, body) VALUES ((SELECT key FROM search_keys WHERE id = NEW.id),
        (SELECT search_scope FROM users WHERE id = NEW.owner_id), NEW.search_text);
END;

CREATE TRIGGER opportunity_search_removed AFTER DELETE ON opportunities
BEGIN
    DELETE FROM opportunity_search WHERE rowid = (SELECT key FROM search_keys WHERE id = OLD.id);
    DELETE FROM search_keys WHERE id = OLD.id;
END;

-- Leads: the title.
CREATE VIRTUAL TABLE lead_search USING fts5(scope, body, content = '', contentless_delete = 1, tokenize = 'trigram');
INSERT INTO search_keys (id) SELECT id FROM leads ORDER BY updated_at, id;
INSERT INTO lead_search (rowid, scope, body)
    SELECT k.key, u.search_scope, o.title FROM leads o JOIN search_keys k ON k.id = o.id JOIN users u ON u.id = o.owner_id;

CREATE TRIGGER lead_search_added AFTER INSERT ON leads
BEGIN
    INSERT INTO search_keys (id) VALUES (NEW.id);
    INSERT INTO lead_search (rowid, scope, body) VALUES ((SELECT key FROM search_keys WHERE id = NEW.id),
        (SELECT search_scope FROM users WHERE id = NEW.owner_id), NEW.title);
END;

CREATE TRIGGER lead_search_changed AFTER UPDATE OF owner_id, title ON leads
    WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.title IS NOT NEW.title
BEGIN
    DELETE FROM lead_search WHERE rowid = (SELECT key FROM search_keys WHERE id = OLD.id);
    DELETE FROM search_keys WHERE id = OLD.id;
    INSERT INTO search_keys (id) VALUES (NEW.id);
    INSERT INTO lead_search (rowid, scope, body) VALUES ((SELECT key FROM search_keys WHERE id = NEW.id),
        (SELECT search_scope FROM users WHERE id = NEW.owner_id), NEW.title);
END;

CREATE TRIGGER lead_search_removed AFTER DELETE ON leads
BEGIN
    DELETE FROM lead_search WHERE rowid = (SELECT key FROM search_keys WHERE id = OLD.id);
    DELETE FROM search_keys WHERE id = OLD.id;
END;

-- Activities: the title in both languages (one when they are the same).
CREATE VIRTUAL TABLE activity_search USING fts5(scope, body, content = '', contentless_delete = 1, tokenize = 'trigram');
INSERT INTO search_keys (id) SELECT id FROM activities ORDER BY updated_at, id;
INSERT INTO activity_search (rowid, scope, body)
    SELECT k.key, u.search_scope, CASE WHEN o.title_ru = o.title_en THEN o.title_ru ELSE o.title_ru || ' ' || o.title_en END FROM activities o JOIN search_keys k ON k.id = o.id JOIN users u ON u.id = o.owner_id;

CREATE TRIGGER activity_search_added AFTER INSERT ON activities
BEGIN
    INSERT INTO search_keys (id) VALUES (NEW.id);
    INSERT INTO activity_search (rowid, scope, body) VALUES ((SELECT key FROM search_keys WHERE id = NEW.id),
        (SELECT search_scope FROM users WHERE id = NEW.owner_id), CASE WHEN NEW.title_ru = NEW.title_en THEN NEW.title_ru ELSE NEW.title_ru || ' ' || NEW.title_en END);
END;

CREATE TRIGGER activity_search_changed AFTER UPDATE OF owner_id, title_ru, title_en ON activities
    WHEN OLD.owner_id IS NOT NEW.owner_id OR OLD.title_ru IS NOT NEW.title_ru OR OLD.title_en IS NOT NEW.title_en
BEGIN
    DELETE FROM activity_search WHERE rowid = (SELECT key FROM search_keys WHERE id = OLD.id);
    DELETE FROM search_keys WHERE id = OLD.id;
    INSERT INTO search_keys (id) VALUES (NEW.id);
    INSERT INTO activity_search (rowid, scope, body) VALUES ((SELECT key FROM search_keys WHERE id = NEW.id),
        (SELECT search_scope FROM users WHERE id = NEW.owner_id), CASE WHEN NEW.title_ru = NEW.title_en THEN NEW.title_ru ELSE NEW.title_ru || ' ' || NEW.title_en END);
END;

CREATE TRIGGER activity_search_removed AFTER DELETE ON activities
BEGIN
    DELETE FROM activity_search WHERE rowid = (SELECT key FROM search_keys WHERE id = OLD.id);
    DELETE FROM search_keys WHERE id = OLD.id;
END;

-- Accounts and contacts are the whole team's directory: no scope. Name, web site, e-mail and
-- phone, the phone also as bare digits so that "4951234" finds "+7 (495) 123-45-67".
CREATE VIEW account_search_bodies AS
    SELECT id, name || ' ' || coalesce(website, '') || ' ' || coalesce(phone, '') || ' '
        || replace(replace(replace(replace(replace(replace(coalesce(phone, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', '') AS body
    FROM accounts;
CREATE VIEW contact_search_bodies AS
    SELECT id, name || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' '
        || replace(replace(replace(replace(replace(replace(coalesce(phone, ''), ' ', ''), '-', ''), '(', ''), ')', ''), '+', ''), '.', '') AS body
    FROM contacts;

CREATE VIRTUAL TABLE account_search USING fts5(body, content = '', contentless_delete = 1, tokenize = 'trigram');
INSERT INTO search_keys (id) SELECT id FROM accounts ORDER BY updated_at, id;
INSERT INTO account_search (rowid, body) SELECT k.key, b.body FROM account_search_bodies b JOIN search_keys k ON k.id = b.id;

CREATE TRIGGER account_search_added AFTER INSERT ON accounts
BEGIN
    INSERT INTO search_keys (id) VALUES (NEW.id);
    INSERT INTO account_search (rowid, body) SELECT k.key, b.body FROM account_search_bodies b JOIN search_keys k ON k.id = b.id WHERE b.id = NEW.id;
END;

CREATE TRIGGER account_search_changed AFTER UPDATE OF name, website, phone ON accounts
BEGIN
    DELETE FROM account_search WHERE rowid = (SELECT key FROM search_keys WHERE id = OLD.id);
    DELETE FROM search_keys WHERE id = OLD.id;
    INSERT INTO search_keys (id) VALUES (NEW.id);
    INSERT INTO account_search (rowid, body) SELECT k.key, b.body FROM account_search_bodies b JOIN search_keys k ON k.id = b.id WHERE b.id = NEW.id;
END;

CREATE TRIGGER account_search_removed AFTER DELETE ON accounts
BEGIN
    DELETE FROM account_search WHERE rowid = (SELECT key FROM search_keys WHERE id = OLD.id);
    DELETE FROM search_keys WHERE id = OLD.id;
END;

CREATE VIRTUAL TABLE contact_search USING fts5(body, content = '', contentless_delete = 1, tokenize = 'trigram');
INSERT INTO search_keys (id) SELECT id FROM contacts ORDER BY updated_at, id;
INSERT INTO contact_search (rowid, body) SELECT k.key, b.body FROM contact_search_bodies b JOIN search_keys k ON k.id = b.id;

CREATE TRIGGER contact_search_added AFTER INSERT ON contacts
BEGIN
    INSERT INTO search_keys (id) VALUES (NEW.id);
    INSERT INTO contact_search (rowid, body) SELECT k.key, b.body FROM contact_search_bodies b JOIN search_keys k ON k.id = b.id WHERE b.id = NEW.id;
END;

CREATE TRIGGER contact_search_changed AFTER UPDATE OF name, email, phone ON contacts
BEGIN
    DELETE FROM contact_search WHERE rowid = (SELECT key FROM search_keys WHERE id = OLD.id);
    DELETE FROM search_keys WHERE id = OLD.id;
    INSERT INTO search_keys (id) VALUES (NEW.id);
    INSERT INTO contact_search (rowid, body) SELECT k.key, b.body FROM contact_search_bodies b JOIN search_keys k ON k.id = b.id WHERE b.id = NEW.id;
END;

CREATE TRIGGER contact_search_removed AFTER DELETE ON contacts
BEGIN
    DELETE FROM contact_search WHERE rowid = (SELECT key FROM search_keys WHERE id = OLD.id);
    DELETE FROM search_keys WHERE id = OLD.id;
END;
