-- Pickers find accounts and contacts by any part of their name as people type it. A trigram index
-- of the lower-cased names answers `LIKE '%text%'` without reading a hundred thousand rows;
-- triggers keep it as names are written, whoever writes them.
CREATE VIRTUAL TABLE account_names USING fts5(id UNINDEXED, name_lower, tokenize = 'trigram');
INSERT INTO account_names (id, name_lower) SELECT id, name_lower FROM accounts;

CREATE TRIGGER account_names_added AFTER INSERT ON accounts
BEGIN
    INSERT INTO account_names (id, name_lower) VALUES (NEW.id, NEW.name_lower);
END;

CREATE TRIGGER account_names_changed AFTER UPDATE OF name_lower ON accounts WHEN OLD.name_lower IS NOT NEW.name_lower
BEGIN
    DELETE FROM account_names WHERE id = OLD.id;
    INSERT INTO account_names (id, name_lower) VALUES (NEW.id, NEW.name_lower);
END;

CREATE TRIGGER account_names_removed AFTER DELETE ON accounts
BEGIN
    DELETE FROM account_names WHERE id = OLD.id;
END;

CREATE VIRTUAL TABLE contact_names USING fts5(id UNINDEXED, name_lower, tokenize = 'trigram');
INSERT INTO contact_names (id, name_lower) SELECT id, name_lower FROM contacts;

CREATE TRIGGER contact_names_added AFTER INSERT ON contacts
BEGIN
    INSERT INTO contact_names (id, name_lower) VALUES (NEW.id, NEW.name_lower);
END;

CREATE TRIGGER contact_names_changed AFTER UPDATE OF name_lower ON contacts WHEN OLD.name_lower IS NOT NEW.name_lower
BEGIN
    DELETE FROM contact_names WHERE id = OLD.id;
    INSERT INTO contact_names (id, name_lower) VALUES (NEW.id, NEW.name_lower);
END;

CREATE TRIGGER contact_names_removed AFTER DELETE ON contacts
BEGIN
    DELETE FROM contact_names WHERE id = OLD.id;
END;
