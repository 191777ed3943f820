-- Foundation schema: events, idempotency keys, queues and messages, records with secondary indexes,
-- the change feed and its checkpoints, rules and API keys. Times are unix milliseconds (UTC).

CREATE TABLE events (
    seq            INTEGER PRIMARY KEY,          -- commit order
    id             TEXT    NOT NULL UNIQUE,
    source         TEXT    NOT NULL,
    detail_type    TEXT    NOT NULL,
    time           INTEGER NOT NULL,             -- the event's own time
    received_at    INTEGER NOT NULL,
    body           TEXT    NOT NULL,             -- the envelope as accepted (EventBridge shape + subject + traceparent)
    matched_rules  TEXT,                         -- JSON array of rule names, or NULL when none matched
    replay_name    TEXT
);
CREATE INDEX events_received_at ON events (received_at);
CREATE INDEX events_source_type ON events (source, detail_type, seq);

-- One row per idempotent request or effect: the same key with the same request hash returns the stored
-- response; with another hash it is a conflict. Inserted in the same transaction as the effect.
CREATE TABLE idempotency_keys (
    scope         TEXT    NOT NULL,
    key           TEXT    NOT NULL,
    request_hash  BLOB,
    response      TEXT,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

CREATE TABLE queues (
    name        TEXT    PRIMARY KEY,
    attributes  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- state: 0 available (ready, delayed or in flight: visible_at decides), 1 deleted (acked), 2 expired by retention,
-- 3 purged. Rows that left state 0 are the message history, kept until the history retention sweeps them.
CREATE TABLE messages (
    id                 INTEGER PRIMARY KEY,
    queue              TEXT    NOT NULL,
    state              INTEGER NOT NULL DEFAULT 0,
    body               TEXT    NOT NULL,
    headers            TEXT,                      -- JSON object: traceparent, rule, target, ...
    event_id           TEXT,
    dedup_key          TEXT,
    source_queue       TEXT,                      -- set while the message sits in a dead-letter queue
    enqueued_at        INTEGER NOT NULL,
    visible_at         INTEGER NOT NULL,
    receive_count      INTEGER NOT NULL DEFAULT 0,
    owner              TEXT,                      -- the process holding it in flight (released if that process dies)
    first_received_at  INTEGER,
    done_at            INTEGER,
    last_error         TEXT
);
CREATE INDEX messages_available ON messages (queue, visible_at, id) WHERE state = 0;
-- Messages received at least once and not done: the dead-letter sweep looks here, not at the whole backlog.
CREATE INDEX messages_received ON messages (queue, receive_count) WHERE state = 0 AND receive_count > 0;
CREATE INDEX messages_event ON messages (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX messages_done_at ON messages (done_at) WHERE state <> 0;
CREATE UNIQUE INDEX messages_dedup ON messages (queue, dedup_key) WHERE dedup_key IS NOT NULL;

-- Domain records (the DynamoDB of the originals): a JSON document per (collection, key), with a version
-- for optimistic concurrency and secondary index entries maintained on every write.
CREATE TABLE records (
    collection  TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    value       TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (collection, key)
) WITHOUT ROWID;

CREATE TABLE record_index (
    collection  TEXT NOT NULL,
    index_name  TEXT NOT NULL,
    value       TEXT NOT NULL,
    key         TEXT NOT NULL,
    PRIMARY KEY (collection, index_name, value, key)
) WITHOUT ROWID;

-- The change feed: every committed change to a record, once, in commit order.
CREATE TABLE changes (
    seq           INTEGER PRIMARY KEY,
    collection    TEXT    NOT NULL,
    key           TEXT    NOT NULL,
    old_value     TEXT,
    new_value     TEXT,
    committed_at  INTEGER NOT NULL
);
CREATE INDEX changes_committed_at ON changes (committed_at);

-- Positions of change-feed consumers, advanced in the same transaction as their effects.
CREATE TABLE checkpoints (
    name        TEXT    PRIMARY KEY,
    position    INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE rules (
    name        TEXT    PRIMARY KEY,
    definition  TEXT    NOT NULL,
    origin      TEXT    NOT NULL,                -- api | config | application
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE api_keys (
    id          TEXT    PRIMARY KEY,
    name        TEXT    NOT NULL,
    key_hash    BLOB    NOT NULL UNIQUE,
    scopes      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
) WITHOUT ROWID;
