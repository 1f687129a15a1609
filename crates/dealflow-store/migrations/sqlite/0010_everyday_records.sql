-- The everyday records around a deal. An activity may be about an account or a contact as well
-- as an opportunity, and a meeting or call lasts a number of minutes from its start.
ALTER TABLE activities ADD COLUMN account_id TEXT REFERENCES accounts (id);
ALTER TABLE activities ADD COLUMN contact_id TEXT REFERENCES contacts (id);
ALTER TABLE activities ADD COLUMN duration_minutes BIGINT;
CREATE INDEX activities_account ON activities (account_id, created_at);
CREATE INDEX activities_contact ON activities (contact_id, created_at);

-- Notes on an opportunity, an account or a contact: exactly one of the three.
CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    body TEXT NOT NULL,
    author_id TEXT NOT NULL REFERENCES users (id),
    opportunity_id TEXT REFERENCES opportunities (id),
    account_id TEXT REFERENCES accounts (id),
    contact_id TEXT REFERENCES contacts (id),
    created_at BIGINT NOT NULL,
    CHECK ((CASE WHEN opportunity_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN account_id IS NULL THEN 0 ELSE 1 END)
        + (CASE WHEN contact_id IS NULL THEN 0 ELSE 1 END) = 1)
);
CREATE INDEX notes_opportunity ON notes (opportunity_id, created_at);
CREATE INDEX notes_account ON notes (account_id, created_at);
CREATE INDEX notes_contact ON notes (contact_id, created_at);

-- Why deals are won, a lookup of its own beside the lost reasons: the close dialog offers it to
-- a won deal, whose close_reason then holds one of these codes.
CREATE TABLE won_reasons (
    code TEXT PRIMARY KEY,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);

INSERT INTO won_reasons (code, name_ru, name_en, position) VALUES
    ('best_offer', 'Лучшее предложение', 'Best offer', 1),
    ('relationship', 'Давние отношения с клиентом', 'Long relationship with the customer', 2),
    ('product_fit', 'Продукт лучше подошёл', 'The product fitted best', 3),
    ('other', 'Другое', 'Other', 4);

-- The accounts and contacts pickers search names as people type them: with a hundred thousand
-- accounts the lower-cased names are kept in order for the prefix searches.
CREATE INDEX accounts_name_lower ON accounts (name_lower, id);
CREATE INDEX contacts_name_lower ON contacts (name_lower, id);

-- An account's or a contact's page lists its opportunities.
CREATE INDEX opportunities_account ON opportunities (account_id, created_at);
CREATE INDEX opportunities_contact ON opportunities (contact_id, created_at);
