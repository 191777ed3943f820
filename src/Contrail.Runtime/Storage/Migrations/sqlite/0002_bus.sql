-- The bus: topics and their subscriptions, archives with their index, replays, alarms and their history.
-- Times are unix milliseconds (UTC); definitions are JSON documents.

CREATE TABLE topics (
    name        TEXT    PRIMARY KEY,
    attributes  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE subscriptions (
    id          TEXT    PRIMARY KEY,
    topic       TEXT    NOT NULL,
    definition  TEXT    NOT NULL,                -- protocol, endpoint, filter policy and its scope, raw delivery
    created_at  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX subscriptions_topic ON subscriptions (topic, id);

CREATE TABLE archives (
    name        TEXT    PRIMARY KEY,
    definition  TEXT    NOT NULL,                -- event pattern, retention, path template
    origin      TEXT    NOT NULL,                -- api | application
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- The archive index, which is authoritative: a payload file counts only while its row exists. The row is
-- written with the event, carrying the payload in pending_body until the file has been written and
-- synced; then pending_body is cleared. A crash before that leaves the row pending and the file is
-- written again (same path, same bytes), so a committed event is never missing from its archive.
CREATE TABLE archive_entries (
    seq           INTEGER PRIMARY KEY,
    archive       TEXT    NOT NULL,
    event_id      TEXT    NOT NULL,
    event_time    INTEGER NOT NULL,
    archived_at   INTEGER NOT NULL,
    path          TEXT    NOT NULL,              -- relative to the archive's folder
    size          INTEGER NOT NULL,
    pending_body  TEXT,
    UNIQUE (archive, event_id)
);
CREATE INDEX archive_entries_time ON archive_entries (archive, event_time, seq);
CREATE INDEX archive_entries_archived_at ON archive_entries (archive, archived_at);
CREATE INDEX archive_entries_pending ON archive_entries (seq) WHERE pending_body IS NOT NULL;

-- A replay's progress moves in the transaction that publishes its events, so a restart resumes exactly.
CREATE TABLE replays (
    name             TEXT    PRIMARY KEY,
    definition       TEXT    NOT NULL,           -- archive, time range, pattern, rules
    state            TEXT    NOT NULL,           -- RUNNING | COMPLETED | CANCELLED | FAILED
    events_replayed  INTEGER NOT NULL DEFAULT 0,
    last_event_time  INTEGER,
    position_time    INTEGER,                    -- the last entry read: (event_time, seq)
    position_seq     INTEGER,
    reason           TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    ended_at         INTEGER
) WITHOUT ROWID;

CREATE TABLE alarms (
    name              TEXT    PRIMARY KEY,
    definition        TEXT    NOT NULL,
    origin            TEXT    NOT NULL,          -- api | config
    state             TEXT    NOT NULL,          -- OK | ALARM | INSUFFICIENT_DATA
    state_value       REAL,
    state_reason      TEXT,
    state_changed_at  INTEGER NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE alarm_history (
    id         INTEGER PRIMARY KEY,
    alarm      TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    old_state  TEXT    NOT NULL,
    new_state  TEXT    NOT NULL,
    value      REAL,
    reason     TEXT    NOT NULL
);
CREATE INDEX alarm_history_alarm ON alarm_history (alarm, id);
