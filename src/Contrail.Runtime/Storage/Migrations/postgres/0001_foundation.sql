-- Foundation schema (PostgreSQL dialect of sqlite/0001_foundation.sql; same tables, columns and meaning).
-- Times are unix milliseconds (UTC).

CREATE TABLE events (
    seq            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id             text   NOT NULL UNIQUE,
    source         text   NOT NULL,
    detail_type    text   NOT NULL,
    time           bigint NOT NULL,
    received_at    bigint NOT NULL,
    body           text   NOT NULL,
    matched_rules  text,
    replay_name    text
);
CREATE INDEX events_received_at ON events (received_at);
CREATE INDEX events_source_type ON events (source, detail_type, seq);

CREATE TABLE idempotency_keys (
    scope         text   NOT NULL,
    key           text   NOT NULL,
    request_hash  bytea,
    response      text,
    created_at    bigint NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);

CREATE TABLE queues (
    name        text   PRIMARY KEY,
    attributes  text   NOT NULL,
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL
);

CREATE TABLE messages (
    id                 bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue              text    NOT NULL,
    state              integer NOT NULL DEFAULT 0,
    body               text    NOT NULL,
    headers            text,
    event_id           text,
    dedup_key          text,
    source_queue       text,
    enqueued_at        bigint  NOT NULL,
    visible_at         bigint  NOT NULL,
    receive_count      integer NOT NULL DEFAULT 0,
    owner              text,
    first_received_at  bigint,
    done_at            bigint,
    last_error         text
);
CREATE INDEX messages_available ON messages (queue, visible_at, id) WHERE state = 0;
-- Messages received at least once and not done: the dead-letter sweep looks here, not at the whole backlog.
CREATE INDEX messages_received ON messages (queue, receive_count) WHERE state = 0 AND receive_count > 0;
CREATE INDEX messages_event ON messages (event_id) WHERE event_id IS NOT NULL;
CREATE INDEX messages_done_at ON messages (done_at) WHERE state <> 0;
CREATE UNIQUE INDEX messages_dedup ON messages (queue, dedup_key) WHERE dedup_key IS NOT NULL;

CREATE TABLE records (
    collection  text   NOT NULL,
    key         text   NOT NULL,
    value       text   NOT NULL,
    version     bigint NOT NULL,
    updated_at  bigint NOT NULL,
    PRIMARY KEY (collection, key)
);

CREATE TABLE record_index (
    collection  text NOT NULL,
    index_name  text NOT NULL,
    value       text NOT NULL,
    key         text NOT NULL,
    PRIMARY KEY (collection, index_name, value, key)
);

CREATE TABLE changes (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    collection    text   NOT NULL,
    key           text   NOT NULL,
    old_value     text,
    new_value     text,
    committed_at  bigint NOT NULL
);
CREATE INDEX changes_committed_at ON changes (committed_at);

CREATE TABLE checkpoints (
    name        text   PRIMARY KEY,
    position    bigint NOT NULL,
    updated_at  bigint NOT NULL
);

CREATE TABLE rules (
    name        text   PRIMARY KEY,
    definition  text   NOT NULL,
    origin      text   NOT NULL,
    created_at  bigint NOT NULL,
    updated_at  bigint NOT NULL
);

CREATE TABLE api_keys (
    id          text   PRIMARY KEY,
    name        text   NOT NULL,
    key_hash    bytea  NOT NULL UNIQUE,
    scopes      text   NOT NULL,
    created_at  bigint NOT NULL,
    revoked_at  bigint
);
