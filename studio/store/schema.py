"""The database schema as an ordered list of forward migrations.

`PRAGMA user_version` holds the number of migrations applied. A migration is never edited once
released: a change to the schema is a new entry at the end of `MIGRATIONS`.

Times are UNIX seconds (REAL, UTC). JSON columns are checked with json_valid() so a bug can
never store something the reader cannot parse. Large text columns come last in each table:
SQLite stores a row's columns in order, so a column after a 50 kB answer can only be read by
walking the answer's overflow pages (a rating or state would cost a page read per row).
"""

from __future__ import annotations

# Response states whose text is final and therefore searchable. Partial text saved while a
# model streams is rewritten many times a second; indexing it would churn the FTS index.
FINAL_STATES = ("done", "failed", "cancelled")
_FINAL = "('done', 'failed', 'cancelled')"

_V1_CORE = """
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- A deletion the user may still undo: rows point at their batch; purging the batch
-- removes them through ON DELETE CASCADE.
CREATE TABLE trash (
    id         INTEGER PRIMARY KEY,
    label      TEXT NOT NULL,
    created_at REAL NOT NULL
);

CREATE TABLE collections (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    parent_id  INTEGER REFERENCES collections(id) ON DELETE CASCADE,
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    position   INTEGER NOT NULL DEFAULT 0,
    trash_id   INTEGER REFERENCES trash(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE UNIQUE INDEX collections_name ON collections(ifnull(parent_id, 0), name)
    WHERE trash_id IS NULL;
CREATE INDEX collections_parent ON collections(parent_id);
CREATE INDEX collections_trash ON collections(trash_id) WHERE trash_id IS NOT NULL;

CREATE TABLE model_sets (
    id         INTEGER PRIMARY KEY,
    uuid       TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    items      TEXT NOT NULL CHECK (json_valid(items) AND json_type(items) = 'array'),
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);

CREATE TABLE prompts (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    model_set_id  INTEGER REFERENCES model_sets(id) ON DELETE SET NULL,
    position      INTEGER NOT NULL DEFAULT 0,
    trash_id      INTEGER REFERENCES trash(id) ON DELETE CASCADE,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    title         TEXT NOT NULL,
    system        TEXT,
    variables     TEXT NOT NULL DEFAULT '{}'
                  CHECK (json_valid(variables) AND json_type(variables) = 'object'),
    notes         TEXT NOT NULL DEFAULT '',
    -- Tags joined by newlines: the text the search index sees. prompt_tags is the truth
    -- for filtering; both are written in the same transaction.
    tags_text     TEXT NOT NULL DEFAULT '',
    body          TEXT NOT NULL
);
CREATE INDEX prompts_collection ON prompts(collection_id, trash_id, position, id);
CREATE INDEX prompts_trash ON prompts(trash_id) WHERE trash_id IS NOT NULL;
CREATE INDEX prompts_model_set ON prompts(model_set_id) WHERE model_set_id IS NOT NULL;

CREATE TABLE prompt_tags (
    prompt_id INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (prompt_id, tag)
) WITHOUT ROWID;
CREATE INDEX prompt_tags_tag ON prompt_tags(tag, prompt_id);

-- One comparison. The prompt is copied (a snapshot): editing or deleting the prompt later
-- must not change what a past run shows.
CREATE TABLE runs (
    id             INTEGER PRIMARY KEY,
    uuid           TEXT NOT NULL UNIQUE,
    collection_id  INTEGER REFERENCES collections(id) ON DELETE SET NULL,
    prompt_id      INTEGER REFERENCES prompts(id) ON DELETE SET NULL,
    head_turn_id   INTEGER REFERENCES turns(id) ON DELETE SET NULL,
    created_at     REAL NOT NULL,
    updated_at     REAL NOT NULL,
    title          TEXT NOT NULL DEFAULT '',
    model_set_name TEXT,
    variables      TEXT NOT NULL DEFAULT '{}'
                   CHECK (json_valid(variables) AND json_type(variables) = 'object'),
    system         TEXT,
    body           TEXT NOT NULL
);
CREATE INDEX runs_created ON runs(created_at DESC, id DESC);
CREATE INDEX runs_collection ON runs(collection_id, created_at DESC);
CREATE INDEX runs_prompt ON runs(prompt_id) WHERE prompt_id IS NOT NULL;

-- The models of a run, one per pane ("slot"), in order. A model added in the middle of a
-- thread gets the next slot.
CREATE TABLE run_models (
    run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    slot     INTEGER NOT NULL CHECK (slot >= 0),
    model    TEXT NOT NULL,
    settings TEXT NOT NULL DEFAULT '{}'
             CHECK (json_valid(settings) AND json_type(settings) = 'object'),
    PRIMARY KEY (run_id, slot)
) WITHOUT ROWID;
CREATE INDEX run_models_model ON run_models(model, run_id);

-- The user prompts of a thread. parent_id makes them a tree: editing an earlier prompt adds
-- a sibling, so the old branch stays reachable.
CREATE TABLE turns (
    id         INTEGER PRIMARY KEY,
    run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    parent_id  INTEGER REFERENCES turns(id) ON DELETE CASCADE,
    depth      INTEGER NOT NULL CHECK (depth >= 0),
    created_at REAL NOT NULL,
    prompt     TEXT NOT NULL
);
CREATE INDEX turns_run ON turns(run_id, id);
CREATE INDEX turns_parent ON turns(parent_id) WHERE parent_id IS NOT NULL;

CREATE TRIGGER turns_parent_same_run BEFORE INSERT ON turns
WHEN NEW.parent_id IS NOT NULL
 AND (SELECT run_id FROM turns WHERE id = NEW.parent_id) IS NOT NEW.run_id
BEGIN
    SELECT RAISE(ABORT, 'parent turn belongs to another run');
END;

-- One answer of one model (slot) to one turn. `attempt` counts regenerations: the highest
-- attempt is the current answer, older ones are kept.
CREATE TABLE responses (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    turn_id       INTEGER NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
    slot          INTEGER NOT NULL CHECK (slot >= 0),
    attempt       INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    state         TEXT NOT NULL DEFAULT 'waiting'
                  CHECK (state IN ('waiting', 'streaming', 'done', 'failed', 'cancelled')),
    rating        INTEGER CHECK (rating BETWEEN 1 AND 5),
    input_tokens  INTEGER,
    output_tokens INTEGER,
    ttft_s        REAL,
    total_s       REAL,
    tokens_per_s  REAL,
    cost_usd      REAL,
    error_status  INTEGER,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    model         TEXT NOT NULL,
    settings      TEXT NOT NULL DEFAULT '{}'
                  CHECK (json_valid(settings) AND json_type(settings) = 'object'),
    stop_reason   TEXT,
    error_kind    TEXT,
    error_message TEXT,
    rating_note   TEXT NOT NULL DEFAULT '',
    reasoning     TEXT NOT NULL DEFAULT '',
    text          TEXT NOT NULL DEFAULT '',
    UNIQUE (turn_id, slot, attempt),
    FOREIGN KEY (run_id, slot) REFERENCES run_models(run_id, slot) ON DELETE CASCADE
);
CREATE INDEX responses_run ON responses(run_id, slot);
CREATE INDEX responses_model ON responses(model, run_id);
CREATE INDEX responses_rating ON responses(rating, run_id) WHERE rating IS NOT NULL;

-- The page of an answer: revision 0 is what was extracted from the answer, later revisions
-- are the user's edits. Kept apart from responses so scanning answers never reads pages.
CREATE TABLE page_revisions (
    id          INTEGER PRIMARY KEY,
    response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    revision    INTEGER NOT NULL CHECK (revision >= 0),
    created_at  REAL NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    html        TEXT NOT NULL,
    UNIQUE (response_id, revision)
);

-- Preview screenshots (PNG), per page revision; blobs live here so no other query reads them.
CREATE TABLE screenshots (
    response_id INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    revision    INTEGER NOT NULL DEFAULT 0,
    created_at  REAL NOT NULL,
    png         BLOB NOT NULL,
    PRIMARY KEY (response_id, revision)
);
"""

# Search. External-content FTS5 tables keep one copy of the text (in prompts/responses);
# triggers keep the index in step inside the writing transaction. Responses are indexed
# through a view of finished answers only (see FINAL_STATES).
_V2_SEARCH = f"""
CREATE VIRTUAL TABLE prompts_fts USING fts5(
    title, body, tags_text,
    content='prompts', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
-- Titles and tags alone: a small index, so "titles first" stays fast when the words are
-- common in bodies (a column filter on prompts_fts would walk the bodies' doclists too).
CREATE VIRTUAL TABLE prompt_titles_fts USING fts5(
    title, tags_text,
    content='prompts', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
CREATE TRIGGER prompts_fts_ai AFTER INSERT ON prompts BEGIN
    INSERT INTO prompts_fts(rowid, title, body, tags_text)
    VALUES (NEW.id, NEW.title, NEW.body, NEW.tags_text);
    INSERT INTO prompt_titles_fts(rowid, title, tags_text)
    VALUES (NEW.id, NEW.title, NEW.tags_text);
END;
CREATE TRIGGER prompts_fts_ad AFTER DELETE ON prompts BEGIN
    INSERT INTO prompts_fts(prompts_fts, rowid, title, body, tags_text)
    VALUES ('delete', OLD.id, OLD.title, OLD.body, OLD.tags_text);
    INSERT INTO prompt_titles_fts(prompt_titles_fts, rowid, title, tags_text)
    VALUES ('delete', OLD.id, OLD.title, OLD.tags_text);
END;
CREATE TRIGGER prompts_fts_au AFTER UPDATE OF title, body, tags_text ON prompts BEGIN
    INSERT INTO prompts_fts(prompts_fts, rowid, title, body, tags_text)
    VALUES ('delete', OLD.id, OLD.title, OLD.body, OLD.tags_text);
    INSERT INTO prompts_fts(rowid, title, body, tags_text)
    VALUES (NEW.id, NEW.title, NEW.body, NEW.tags_text);
    INSERT INTO prompt_titles_fts(prompt_titles_fts, rowid, title, tags_text)
    VALUES ('delete', OLD.id, OLD.title, OLD.tags_text);
    INSERT INTO prompt_titles_fts(rowid, title, tags_text)
    VALUES (NEW.id, NEW.title, NEW.tags_text);
END;

CREATE VIEW responses_final AS
    SELECT id, text FROM responses WHERE state IN {_FINAL};
CREATE VIRTUAL TABLE responses_fts USING fts5(
    text,
    content='responses_final', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
CREATE TRIGGER responses_fts_ai AFTER INSERT ON responses
WHEN NEW.state IN {_FINAL} BEGIN
    INSERT INTO responses_fts(rowid, text) VALUES (NEW.id, NEW.text);
END;
CREATE TRIGGER responses_fts_ad AFTER DELETE ON responses
WHEN OLD.state IN {_FINAL} BEGIN
    INSERT INTO responses_fts(responses_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
END;
-- One trigger, so the old entry is always removed before the new one is added.
CREATE TRIGGER responses_fts_au AFTER UPDATE OF text, state ON responses
WHEN OLD.state IN {_FINAL} OR NEW.state IN {_FINAL} BEGIN
    INSERT INTO responses_fts(responses_fts, rowid, text)
    SELECT 'delete', OLD.id, OLD.text WHERE OLD.state IN {_FINAL};
    INSERT INTO responses_fts(rowid, text)
    SELECT NEW.id, NEW.text WHERE NEW.state IN {_FINAL};
END;

-- Index whatever a version-1 database already holds.
INSERT INTO prompts_fts(prompts_fts) VALUES ('rebuild');
INSERT INTO prompt_titles_fts(prompt_titles_fts) VALUES ('rebuild');
INSERT INTO responses_fts(responses_fts) VALUES ('rebuild');
"""

# Arena votes. A vote is one judgement of the answers (or pages) shown for one prompt;
# vote_entries are those answers in shown order. The battles a vote implies are derived in
# studio.core.arena, never stored. The voter is kept apart: the user, or a judge model.
# The run/prompt/collection links go NULL when those are deleted: the verdict still counts.
_V3_VOTES = """
CREATE TABLE votes (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    external_id   TEXT UNIQUE,
    run_id        INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    turn_id       INTEGER REFERENCES turns(id) ON DELETE SET NULL,
    prompt_id     INTEGER REFERENCES prompts(id) ON DELETE SET NULL,
    collection_id INTEGER REFERENCES collections(id) ON DELETE SET NULL,
    judged        TEXT NOT NULL CHECK (judged IN ('answers', 'pages')),
    voter_kind    TEXT NOT NULL CHECK (voter_kind IN ('user', 'judge')),
    voter         TEXT NOT NULL DEFAULT '',
    verdict       TEXT NOT NULL
                  CHECK (verdict IN ('a', 'b', 'tie', 'both_bad', 'best', 'ranking')),
    created_at    REAL NOT NULL,
    reason        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX votes_created ON votes(created_at);
CREATE INDEX votes_run ON votes(run_id) WHERE run_id IS NOT NULL;
CREATE INDEX votes_turn ON votes(turn_id) WHERE turn_id IS NOT NULL;
CREATE INDEX votes_prompt ON votes(prompt_id) WHERE prompt_id IS NOT NULL;
CREATE INDEX votes_collection ON votes(collection_id) WHERE collection_id IS NOT NULL;

CREATE TABLE vote_entries (
    vote_id      INTEGER NOT NULL REFERENCES votes(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL CHECK (position >= 0),
    model        TEXT NOT NULL CHECK (length(trim(model)) > 0),
    settings     TEXT NOT NULL DEFAULT '{}'
                 CHECK (json_valid(settings) AND json_type(settings) = 'object'),
    slot         INTEGER CHECK (slot >= 0),
    attempt      INTEGER CHECK (attempt >= 0),
    place        INTEGER CHECK (place >= 1),
    answer_chars INTEGER CHECK (answer_chars >= 0),
    code_chars   INTEGER CHECK (code_chars >= 0),
    PRIMARY KEY (vote_id, position)
) WITHOUT ROWID;
CREATE INDEX vote_entries_model ON vote_entries(model);
"""

# Prompt-cache counts of an answer (parts of input_tokens, billed at their own rates).
# Added columns land after the answer's text; only queries that read the text anyway
# (reopening a run, exporting it) read them, so no scan pays for the text's overflow pages.
_V4_CACHED_TOKENS = """
ALTER TABLE responses ADD COLUMN cached_input_tokens INTEGER
    CHECK (cached_input_tokens >= 0);
ALTER TABLE responses ADD COLUMN cache_write_tokens INTEGER
    CHECK (cache_write_tokens >= 0);
"""

# Search the prompts that were sent, too: every turn of every run (a follow-up, an edited
# branch, a prompt filled from {{variables}}), not only the library's prompts and the answers.
_V5_SEARCH_SENT_PROMPTS = """
CREATE VIRTUAL TABLE turns_fts USING fts5(
    prompt,
    content='turns', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2', prefix='2 3'
);
CREATE TRIGGER turns_fts_ai AFTER INSERT ON turns BEGIN
    INSERT INTO turns_fts(rowid, prompt) VALUES (NEW.id, NEW.prompt);
END;
CREATE TRIGGER turns_fts_ad AFTER DELETE ON turns BEGIN
    INSERT INTO turns_fts(turns_fts, rowid, prompt) VALUES ('delete', OLD.id, OLD.prompt);
END;
CREATE TRIGGER turns_fts_au AFTER UPDATE OF prompt ON turns BEGIN
    INSERT INTO turns_fts(turns_fts, rowid, prompt) VALUES ('delete', OLD.id, OLD.prompt);
    INSERT INTO turns_fts(rowid, prompt) VALUES (NEW.id, NEW.prompt);
END;
INSERT INTO turns_fts(turns_fts) VALUES ('rebuild');
"""

# Batches: a collection (× variable rows) × a model set, run as a grid of cells. Each grid
# row is also an ordinary run in history (one slot per column), so its answers live in
# `responses` like any other; batch_cells add the cell's state, attempt and check results.
# Prompts gain variable rows (each its own grid row) and checks.
_V6_BATCHES = """
CREATE TABLE prompt_variable_rows (
    prompt_id INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position >= 0),
    vars      TEXT NOT NULL CHECK (json_valid(vars) AND json_type(vars) = 'object'),
    PRIMARY KEY (prompt_id, position)
) WITHOUT ROWID;

CREATE TABLE prompt_checks (
    prompt_id INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position >= 0),
    spec      TEXT NOT NULL CHECK (json_valid(spec) AND json_type(spec) = 'object'),
    PRIMARY KEY (prompt_id, position)
) WITHOUT ROWID;

-- owner: "host:pid:start" of the process running the batch. A running or paused batch
-- whose owner has ended is found and marked interrupted at the next start.
CREATE TABLE batches (
    id            INTEGER PRIMARY KEY,
    uuid          TEXT NOT NULL UNIQUE,
    collection_id INTEGER REFERENCES collections(id) ON DELETE SET NULL,
    state         TEXT NOT NULL DEFAULT 'running'
                  CHECK (state IN ('running', 'paused', 'interrupted', 'cancelled', 'done')),
    concurrency   INTEGER NOT NULL CHECK (concurrency >= 1),
    per_provider  INTEGER CHECK (per_provider >= 1),
    owner         TEXT,
    created_at    REAL NOT NULL,
    updated_at    REAL NOT NULL,
    finished_at   REAL,
    title         TEXT NOT NULL DEFAULT '',
    judge         TEXT,
    models        TEXT NOT NULL CHECK (json_valid(models) AND json_type(models) = 'array')
);
CREATE INDEX batches_created ON batches(created_at DESC, id DESC);
CREATE INDEX batches_live ON batches(state) WHERE state IN ('running', 'paused');

-- A grid row: the prompt as sent (a snapshot, like runs), the checks it was given, and the
-- run in history that holds its answers.
CREATE TABLE batch_rows (
    batch_id     INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
    position     INTEGER NOT NULL CHECK (position >= 0),
    run_id       INTEGER REFERENCES runs(id) ON DELETE SET NULL,
    turn_id      INTEGER REFERENCES turns(id) ON DELETE SET NULL,
    prompt_id    INTEGER REFERENCES prompts(id) ON DELETE SET NULL,
    variable_row INTEGER,
    title        TEXT NOT NULL,
    variables    TEXT NOT NULL DEFAULT '{}'
                 CHECK (json_valid(variables) AND json_type(variables) = 'object'),
    checks       TEXT NOT NULL DEFAULT '[]'
                 CHECK (json_valid(checks) AND json_type(checks) = 'array'),
    system       TEXT,
    template     TEXT NOT NULL,
    prompt       TEXT NOT NULL,
    PRIMARY KEY (batch_id, position)
);
CREATE INDEX batch_rows_run ON batch_rows(run_id) WHERE run_id IS NOT NULL;

-- One attempt of one cell (row position × column slot); the highest attempt is current,
-- earlier ones stay with their answers and check results.
CREATE TABLE batch_cells (
    batch_id    INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    slot        INTEGER NOT NULL CHECK (slot >= 0),
    attempt     INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
    state       TEXT NOT NULL DEFAULT 'waiting'
                CHECK (state IN ('waiting', 'running', 'streaming', 'checking', 'done',
                                 'failed', 'cancelled')),
    response_id INTEGER REFERENCES responses(id) ON DELETE SET NULL,
    error_kind  TEXT,
    started_at  REAL,
    finished_at REAL,
    updated_at  REAL NOT NULL,
    checks      TEXT NOT NULL DEFAULT '[]'
                CHECK (json_valid(checks) AND json_type(checks) = 'array'),
    PRIMARY KEY (batch_id, position, slot, attempt),
    FOREIGN KEY (batch_id, position) REFERENCES batch_rows(batch_id, position)
        ON DELETE CASCADE
);
CREATE INDEX batch_cells_response ON batch_cells(response_id) WHERE response_id IS NOT NULL;
"""

# Files attached to prompts. Each file's bytes are stored once, under their SHA-256
# (content-addressed: the same screenshot sent in ten follow-ups is one row); turns and
# library prompts list theirs in order. A blob no turn or prompt names any more is deleted
# by the store after deletions (studio.store.attachments.collect_garbage). A turn's file may
# be for one model only (each model shown its own page).
_V7_ATTACHMENTS = """
CREATE TABLE blobs (
    sha256     TEXT PRIMARY KEY CHECK (length(sha256) = 64),
    media_type TEXT NOT NULL CHECK (length(media_type) > 0),
    size       INTEGER NOT NULL CHECK (size >= 0),
    created_at REAL NOT NULL,
    data       BLOB NOT NULL CHECK (length(data) = size)
);

-- slot -1: sent to every model asked; a slot number: sent to that model only.
CREATE TABLE turn_attachments (
    turn_id  INTEGER NOT NULL REFERENCES turns(id) ON DELETE CASCADE,
    slot     INTEGER NOT NULL DEFAULT -1 CHECK (slot >= -1),
    position INTEGER NOT NULL CHECK (position >= 0),
    name     TEXT NOT NULL CHECK (length(name) > 0),
    sha256   TEXT NOT NULL REFERENCES blobs(sha256),
    PRIMARY KEY (turn_id, slot, position)
) WITHOUT ROWID;
CREATE INDEX turn_attachments_blob ON turn_attachments(sha256);

CREATE TABLE prompt_attachments (
    prompt_id INTEGER NOT NULL REFERENCES prompts(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL CHECK (position >= 0),
    name      TEXT NOT NULL CHECK (length(name) > 0),
    sha256    TEXT NOT NULL REFERENCES blobs(sha256),
    PRIMARY KEY (prompt_id, position)
) WITHOUT ROWID;
CREATE INDEX prompt_attachments_blob ON prompt_attachments(sha256);
"""

# A small PNG of an answer's page screenshot (revision 0), made with the screenshot so a
# grid of hundreds of pages shows without decoding full-size PNGs; derived data, so it is
# neither exported nor imported, and dropped when the screenshot is replaced.
_V8_THUMBNAILS = """
CREATE TABLE thumbnails (
    response_id INTEGER PRIMARY KEY REFERENCES responses(id) ON DELETE CASCADE,
    png         BLOB NOT NULL
);
"""

MIGRATIONS: tuple[str, ...] = (_V1_CORE, _V2_SEARCH, _V3_VOTES, _V4_CACHED_TOKENS,
                               _V5_SEARCH_SENT_PROMPTS, _V6_BATCHES, _V7_ATTACHMENTS,
                               _V8_THUMBNAILS)
SCHEMA_VERSION = len(MIGRATIONS)
