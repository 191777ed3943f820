-- The bus (PostgreSQL dialect of sqlite/0002_bus.sql; same tables, columns and meaning).
-- Times are unix milliseconds (UTC); definitions are JSON documents.

CREATE TABLE topics (
    name        text   PRIMARY KEY,
    attributes  text   NOT NULL,
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL
);

CREATE TABLE subscriptions (
    id          text   PRIMARY KEY,
    topic       text   NOT NULL,
    definition  text   NOT NULL,
    created_at  bigint NOT NULL
);
CREATE INDEX subscriptions_topic ON subscriptions (topic, id);

CREATE TABLE archives (
    name        text   PRIMARY KEY,
    definition  text   NOT NULL,
    origin      text   NOT NULL,
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL
);

-- The archive index is authoritative; pending_body carries the payload until its file is written (see sqlite/0002_bus.sql).
CREATE TABLE archive_entries (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    archive       text   NOT NULL,
    event_id      text   NOT NULL,
    event_time    bigint NOT NULL,
    archived_at   bigint NOT NULL,
    path          text   NOT NULL,
    size          bigint NOT NULL,
    pending_body  text,
    UNIQUE (archive, event_id)
);
CREATE INDEX archive_entries_time ON archive_entries (archive, event_time, seq);
CREATE INDEX archive_entries_archived_at ON archive_entries (archive, archived_at);
CREATE INDEX archive_entries_pending ON archive_entries (seq) WHERE pending_body IS NOT NULL;

CREATE TABLE replays (
    name             text   PRIMARY KEY,
    definition       text   NOT NULL,
    state            text   NOT NULL,
    events_replayed  bigint NOT NULL DEFAULT 0,
    last_event_time  bigint,
    position_time    bigint,
    position_seq     bigint,
    reason           text,
    created_at       bigint NOT NULL,
    updated_at       bigint NOT NULL,
    ended_at         bigint
);

CREATE TABLE alarms (
    name              text   PRIMARY KEY,
    definition        text   NOT NULL,
    origin            text   NOT NULL,
    state             text   NOT NULL,
    state_value       double precision,
    state_reason      text,
    state_changed_at  bigint NOT NULL,
    created_at        bigint NOT NULL,
    updated_at        bigint NOT NULL
);

CREATE TABLE alarm_history (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alarm      text   NOT NULL,
    at         bigint NOT NULL,
    old_state  text   NOT NULL,
    new_state  text   NOT NULL,
    value      double precision,
    reason     text   NOT NULL
);
CREATE INDEX alarm_history_alarm ON alarm_history (alarm, id);
