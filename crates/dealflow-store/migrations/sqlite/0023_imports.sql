-- CSV imports (SPEC §9): the uploaded file with its mapping and dedupe policy, and the progress of
-- its dry run or import, which a worker goes through in batches (each batch one transaction that
-- also moves `done_rows` on, so a restart carries on where the last commit left off).
CREATE TABLE imports (
    id TEXT PRIMARY KEY,
    created_by TEXT NOT NULL REFERENCES users (id),
    file_name TEXT NOT NULL,
    file BLOB NOT NULL,
    -- JSON arrays: the header's columns, and the field code each one fills (or null).
    headers TEXT NOT NULL,
    mapping TEXT NOT NULL,
    dedupe TEXT NOT NULL,
    -- The process to start on the open opportunities the import makes, if any.
    start_process TEXT,
    -- draft, checking, checked, importing, done or failed.
    status TEXT NOT NULL,
    total_rows BIGINT NOT NULL,
    done_rows BIGINT NOT NULL DEFAULT 0,
    -- JSON: per kind of record, how many were (or would be) created, updated and skipped.
    counts TEXT NOT NULL DEFAULT '{}',
    rejected_rows BIGINT NOT NULL DEFAULT 0,
    error TEXT,
    -- The node working on it and until when (another node takes over once the lease lapses).
    lease_owner TEXT,
    lease_until BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT
);
CREATE INDEX imports_status ON imports (status, created_at);
CREATE INDEX imports_created_by ON imports (created_by, created_at);

-- Each problem of each rejected row of the last pass.
CREATE TABLE import_problems (
    import_id TEXT NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    row_number BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    column_index BIGINT,
    field TEXT NOT NULL,
    code TEXT NOT NULL,
    min_value BIGINT,
    max_value BIGINT,
    value TEXT NOT NULL,
    PRIMARY KEY (import_id, row_number, seq)
);

-- Accounts are matched by tax number or by name, any letter case and spacing.
ALTER TABLE accounts ADD COLUMN tax_number TEXT;
ALTER TABLE accounts ADD COLUMN name_key TEXT;
UPDATE accounts SET name_key = trim(replace(replace(replace(replace(name_lower, char(9), ' '), '  ', ' '), '  ', ' '), '  ', ' '));
CREATE INDEX accounts_name_key ON accounts (name_key);
CREATE INDEX accounts_tax_number ON accounts (tax_number) WHERE tax_number IS NOT NULL;
-- Contacts by e-mail address, any letter case.
CREATE INDEX contacts_email_key ON contacts (lower(email)) WHERE email IS NOT NULL;

-- The import that made a record, so that a resumed import finds what it made before.
ALTER TABLE accounts ADD COLUMN import_id TEXT;
ALTER TABLE contacts ADD COLUMN import_id TEXT;
ALTER TABLE opportunities ADD COLUMN import_id TEXT;
ALTER TABLE stage_history ADD COLUMN import_id TEXT;
