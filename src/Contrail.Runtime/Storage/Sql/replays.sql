-- name: ReplayInsert
INSERT INTO replays (name, definition, state, created_at, updated_at) VALUES (@name, @definition, @state, @now, @now)
ON CONFLICT DO NOTHING;

-- name: ReplayGet
SELECT name, definition, state, events_replayed, last_event_time, position_time, position_seq, reason, created_at, updated_at, ended_at
FROM replays WHERE name = @name;

-- name: ReplayList
SELECT name, definition, state, events_replayed, last_event_time, position_time, position_seq, reason, created_at, updated_at, ended_at
FROM replays WHERE name > @after ORDER BY name LIMIT @limit;

-- name: ReplayListInState
SELECT name, definition, state, events_replayed, last_event_time, position_time, position_seq, reason, created_at, updated_at, ended_at
FROM replays WHERE state = @state ORDER BY created_at, name;

-- Progress moves only while the replay is still running, so a cancel that committed first wins, and only
-- from the position the batch was read at (0: the start), so two processes never replay the same batch.
-- Nullable numbers are cast: a NULL parameter is sent as text, which PostgreSQL will not put in a bigint.
-- name: ReplayAdvance
UPDATE replays SET events_replayed = events_replayed + @replayed, last_event_time = coalesce(CAST(@last_event_time AS BIGINT), last_event_time),
    position_time = @position_time, position_seq = @position_seq, updated_at = @now
WHERE name = @name AND state = 'RUNNING' AND coalesce(position_seq, 0) = @from_seq;

-- name: ReplayEnd
UPDATE replays SET state = @state, reason = @reason, updated_at = @now, ended_at = @now
WHERE name = @name AND state = 'RUNNING';
