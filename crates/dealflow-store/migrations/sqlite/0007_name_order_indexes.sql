-- The opportunity page offers the first accounts and contacts by name: with a hundred thousand
-- accounts, sorting them all for that took tens of milliseconds; these indexes hold the order.
CREATE INDEX accounts_name ON accounts (name, id);
CREATE INDEX contacts_name ON contacts (name, id);
