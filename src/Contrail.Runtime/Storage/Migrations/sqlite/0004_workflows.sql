-- Workflows (Step Functions): state machines and their versions, executions, one row per unfinished frame,
-- and the history in chunks. Times are unix milliseconds (UTC). Nothing here is replayed: a frame row is
-- the frame's whole state, and the history is only read by the history API.

CREATE TABLE state_machines (
    name        TEXT    PRIMARY KEY,
    version     INTEGER NOT NULL,                -- the current version (state_machine_versions)
    origin      TEXT    NOT NULL,                -- api | application
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    deleted_at  INTEGER                          -- deleted: no new executions; running ones finish on their version
) WITHOUT ROWID;

-- Every version ever created, kept while executions may run on it.
CREATE TABLE state_machine_versions (
    name        TEXT    NOT NULL,
    version     INTEGER NOT NULL,
    type        TEXT    NOT NULL,                -- STANDARD | EXPRESS
    definition  TEXT    NOT NULL,                -- the ASL as sent
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (name, version)
) WITHOUT ROWID;

CREATE TABLE workflow_executions (
    seq              INTEGER PRIMARY KEY,        -- start order; frames and history refer to it
    id               TEXT    NOT NULL UNIQUE,    -- '{state machine}:{name}': one execution per name per state machine
    state_machine    TEXT    NOT NULL,
    version          INTEGER NOT NULL,
    name             TEXT    NOT NULL,
    status           TEXT    NOT NULL,           -- RUNNING | SUCCEEDED | FAILED | TIMED_OUT | ABORTED
    input            TEXT    NOT NULL,
    input_hash       BLOB    NOT NULL,           -- SHA-256 of the compact input: same name + same input is the same start
    output           TEXT,
    error            TEXT,
    cause            TEXT,
    started_at       INTEGER NOT NULL,
    stopped_at       INTEGER,
    deadline         INTEGER,                    -- the definition's TimeoutSeconds after the start
    random_seed      INTEGER NOT NULL,           -- seeds States.UUID, MathRandom and jitter; kept so a resumed frame draws the same values
    last_event_id    INTEGER NOT NULL DEFAULT 0, -- history ids continue from here; 0: not started yet
    transitions      INTEGER NOT NULL DEFAULT 0,
    started_by       TEXT,                       -- api | rule:{rule}/{target} | the parent execution's id
    parent_seq       INTEGER,                    -- a .sync child's parent, to resume when the child ends
    parent_frame     TEXT,
    parent_task_key  TEXT,
    -- Scheduling: a runner claims an execution whose wake_at has come and whose lease is free or expired,
    -- and keeps it in memory while it has work; wake_at NULL means it waits for something outside (a child
    -- execution, a callback), which sets wake_at when it happens.
    wake_at          INTEGER,
    owner            TEXT,
    lease_until      INTEGER,
    stop_requested   INTEGER NOT NULL DEFAULT 0,
    stop_error       TEXT,
    stop_cause       TEXT
);
CREATE INDEX workflow_executions_state_machine ON workflow_executions (state_machine, seq);
CREATE INDEX workflow_executions_status ON workflow_executions (status, seq);
CREATE INDEX workflow_executions_wake ON workflow_executions (wake_at) WHERE status = 'RUNNING';
CREATE INDEX workflow_executions_stopped ON workflow_executions (stopped_at) WHERE stopped_at IS NOT NULL;

-- One row per frame that must outlive a transaction: the root and running children (status 1), children of a
-- Parallel or Map not started yet (0), and finished children whose parent has not resumed yet (2 succeeded,
-- 3 failed, 4 not run). A frame that starts and ends within one transaction never gets a row.
CREATE TABLE workflow_frames (
    execution     INTEGER NOT NULL,
    frame_id      TEXT    NOT NULL,              -- root, then parent/State#visit.retry[index]
    parent_frame  TEXT,
    child_index   INTEGER,
    status        INTEGER NOT NULL,
    finished_seq  INTEGER,                       -- completion order among siblings (the earliest failure decides)
    wait_until    INTEGER,                       -- a Wait state, a Retry back-off or a task's deadline
    state         TEXT    NOT NULL,              -- FrameState JSON
    task          TEXT,                          -- the pending task (TaskRequest JSON) while it awaits one
    batch         TEXT,                          -- the children's batch while it awaits them
    completion    TEXT,                          -- an outcome delivered from outside, not applied yet
    task_token    TEXT,                          -- a .waitForTaskToken task's token, for the callback to find the frame
    heartbeat_at  INTEGER,                       -- the callback's last heartbeat
    PRIMARY KEY (execution, frame_id)
);
CREATE INDEX workflow_frames_children ON workflow_frames (execution, parent_frame, status, child_index);
CREATE UNIQUE INDEX workflow_frames_task_token ON workflow_frames (task_token) WHERE task_token IS NOT NULL;

-- The history, in chunks of consecutive events (one per execution per transaction), so that writing it costs one
-- row per step batch and reading a page reads few rows.
CREATE TABLE workflow_history (
    execution       INTEGER NOT NULL,
    first_event_id  INTEGER NOT NULL,
    last_event_id   INTEGER NOT NULL,
    events          BLOB    NOT NULL,            -- UTF-8 JSON array of events (HistoryCodec)
    PRIMARY KEY (execution, first_event_id)
);
