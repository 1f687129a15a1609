-- dealflow schema 1. Portable column types only (BIGINT, TEXT, DOUBLE PRECISION) so that the
-- same queries run on SQLite and PostgreSQL: booleans are 0/1, instants are unix milliseconds,
-- money is minor units, ids are UUID text. The PostgreSQL migration is the same schema.

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    email_lower TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('manager', 'supervisor', 'admin')),
    supervisor_id TEXT REFERENCES users (id),
    locale TEXT NOT NULL CHECK (locale IN ('ru', 'en')),
    active BIGINT NOT NULL DEFAULT 1,
    password_hash TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX users_supervisor ON users (supervisor_id);

CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE accounts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    industry TEXT,
    website TEXT,
    phone TEXT,
    owner_id TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    name_lower TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    job_title TEXT,
    account_id TEXT REFERENCES accounts (id),
    owner_id TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX contacts_account ON contacts (account_id);

CREATE TABLE opportunity_stages (
    code TEXT PRIMARY KEY,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL,
    description_ru TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    max_probability BIGINT NOT NULL CHECK (max_probability BETWEEN 0 AND 100),
    is_final BIGINT NOT NULL DEFAULT 0,
    is_won BIGINT NOT NULL DEFAULT 0,
    show_in_funnel BIGINT NOT NULL DEFAULT 1,
    show_in_progress_bar BIGINT NOT NULL DEFAULT 1,
    active BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE lead_stages (
    code TEXT PRIMARY KEY,
    name_ru TEXT NOT NULL,
    name_en TEXT NOT NULL,
    position BIGINT NOT NULL,
    is_final BIGINT NOT NULL DEFAULT 0,
    hands_off BIGINT NOT NULL DEFAULT 0,
    is_converted BIGINT NOT NULL DEFAULT 0,
    active BIGINT NOT NULL DEFAULT 1
);

CREATE TABLE knowledge_articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    -- Lower-cased title and tags, made in Rust (SQLite folds ASCII only).
    search_text TEXT NOT NULL DEFAULT '',
    author_id TEXT NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE leads (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    need TEXT,
    contact_id TEXT REFERENCES contacts (id),
    account_id TEXT REFERENCES accounts (id),
    owner_id TEXT NOT NULL REFERENCES users (id),
    budget BIGINT,
    stage TEXT NOT NULL REFERENCES lead_stages (code),
    opportunity_id TEXT UNIQUE,
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX leads_owner ON leads (owner_id);

CREATE TABLE opportunities (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    account_id TEXT REFERENCES accounts (id),
    contact_id TEXT REFERENCES contacts (id),
    owner_id TEXT NOT NULL REFERENCES users (id),
    stage TEXT NOT NULL REFERENCES opportunity_stages (code),
    amount BIGINT,
    probability BIGINT CHECK (probability BETWEEN 0 AND 100),
    close_date TEXT,
    budget BIGINT,
    budget_confirmed BIGINT NOT NULL DEFAULT 0,
    decision_maker_id TEXT REFERENCES contacts (id),
    need TEXT,
    timeframe TEXT,
    tactic TEXT,
    participants TEXT NOT NULL DEFAULT '[]',
    competitors TEXT NOT NULL DEFAULT '[]',
    presentation_id TEXT REFERENCES knowledge_articles (id),
    actual_revenue BIGINT,
    hours_spent DOUBLE PRECISION,
    close_reason TEXT,
    closed_at BIGINT,
    lead_id TEXT REFERENCES leads (id),
    -- Lower-cased title, account and contact names, made in Rust: SQLite folds ASCII only.
    search_text TEXT NOT NULL DEFAULT '',
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX opportunities_owner_stage ON opportunities (owner_id, stage);
CREATE INDEX opportunities_stage ON opportunities (stage);

CREATE TABLE stage_history (
    opportunity_id TEXT NOT NULL REFERENCES opportunities (id),
    seq BIGINT NOT NULL,
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    at BIGINT NOT NULL,
    by_user_id TEXT REFERENCES users (id),
    by_process BIGINT NOT NULL DEFAULT 0,
    visit BIGINT,
    instance_id TEXT,
    PRIMARY KEY (opportunity_id, seq)
);

CREATE TABLE process_definitions (
    code TEXT NOT NULL,
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    published_by TEXT REFERENCES users (id),
    published_at BIGINT NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE processes (
    code TEXT PRIMARY KEY,
    current_version BIGINT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    updated_at BIGINT NOT NULL,
    FOREIGN KEY (code, current_version) REFERENCES process_definitions (code, version)
);

CREATE TABLE process_instances (
    id TEXT PRIMARY KEY,
    process_code TEXT NOT NULL,
    process_version BIGINT NOT NULL,
    opportunity_id TEXT NOT NULL REFERENCES opportunities (id),
    status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'cancelled')),
    outcome TEXT CHECK (outcome IN ('won', 'lost')),
    started_via TEXT NOT NULL,
    started_by TEXT NOT NULL REFERENCES users (id),
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    visits TEXT NOT NULL DEFAULT '{}',
    FOREIGN KEY (process_code, process_version) REFERENCES process_definitions (code, version)
);
-- R2: at most one running instance per opportunity.
CREATE UNIQUE INDEX process_instances_one_running ON process_instances (opportunity_id) WHERE status = 'running';
CREATE INDEX process_instances_opportunity ON process_instances (opportunity_id, started_at);

CREATE TABLE activities (
    id TEXT PRIMARY KEY,
    type TEXT NOT NULL CHECK (type IN ('task', 'call', 'meeting', 'email')),
    title_ru TEXT NOT NULL,
    title_en TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users (id),
    status TEXT NOT NULL CHECK (status IN ('not_started', 'in_progress', 'completed', 'cancelled')),
    result TEXT,
    result_note TEXT,
    start_at BIGINT,
    due_at BIGINT,
    completed_at BIGINT,
    opportunity_id TEXT REFERENCES opportunities (id),
    process_instance_id TEXT REFERENCES process_instances (id),
    stage TEXT,
    step TEXT,
    stage_visit BIGINT,
    created_by TEXT REFERENCES users (id),
    version BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
-- R4/R13: one activity per instance, stage visit and step, however commands race.
CREATE UNIQUE INDEX activities_one_per_visit_step ON activities (process_instance_id, stage, stage_visit, step);
CREATE INDEX activities_opportunity ON activities (opportunity_id);
CREATE INDEX activities_owner_due ON activities (owner_id, due_at);
CREATE INDEX activities_instance_status ON activities (process_instance_id, status);

CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL,
    title_ru TEXT NOT NULL,
    title_en TEXT NOT NULL,
    body_ru TEXT NOT NULL,
    body_en TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    read_at BIGINT
);
CREATE INDEX notifications_user ON notifications (user_id, created_at);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    opportunity_id TEXT NOT NULL REFERENCES opportunities (id),
    amount BIGINT NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX orders_opportunity ON orders (opportunity_id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    description_ru TEXT NOT NULL,
    description_en TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Failed sign-ins per account, for throttling (10 within 15 minutes answer 429).
CREATE TABLE login_failures (
    email_lower TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_failures_email_at ON login_failures (email_lower, at);

-- Answers to requests sent with an Idempotency-Key, replayed when the same key comes again.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL REFERENCES users (id),
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, key)
);
