-- The contact list sorted by account: each contact keeps its account's name, lower-cased, kept by
-- triggers as contacts change accounts and accounts are renamed, so that the sort reads an index
-- in order instead of joining every contact to its account and sorting them all. The indexes
-- hold the list's order exactly: contacts without an account last, in either direction.
ALTER TABLE contacts ADD COLUMN account_name_lower TEXT;

UPDATE contacts SET account_name_lower = a.name_lower FROM accounts a WHERE a.id = contacts.account_id;

CREATE INDEX contacts_by_account ON contacts ((CASE WHEN account_name_lower IS NULL THEN 1 ELSE 0 END), account_name_lower, id);
CREATE INDEX contacts_by_account_descending
    ON contacts ((CASE WHEN account_name_lower IS NULL THEN 1 ELSE 0 END), account_name_lower DESC, id DESC);

CREATE FUNCTION contact_account_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.account_name_lower := (SELECT name_lower FROM accounts WHERE id = NEW.account_id);
    RETURN NEW;
END
$$;

CREATE TRIGGER contact_account_name BEFORE INSERT OR UPDATE OF account_id ON contacts
    FOR EACH ROW EXECUTE FUNCTION contact_account_name();

CREATE FUNCTION account_name_of_contacts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE contacts SET account_name_lower = NEW.name_lower WHERE account_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER account_name_of_contacts AFTER UPDATE OF name_lower ON accounts
    FOR EACH ROW WHEN (OLD.name_lower IS DISTINCT FROM NEW.name_lower) EXECUTE FUNCTION account_name_of_contacts();
