-- name: AlarmUpsert
INSERT INTO alarms (name, definition, origin, state, state_changed_at, created_at, updated_at)
VALUES (@name, @definition, @origin, 'INSUFFICIENT_DATA', @now, @now, @now)
ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, origin = excluded.origin, updated_at = excluded.updated_at;

-- name: AlarmGet
SELECT name, definition, origin, state, state_value, state_reason, state_changed_at, created_at, updated_at FROM alarms WHERE name = @name;

-- name: AlarmList
SELECT name, definition, origin, state, state_value, state_reason, state_changed_at, created_at, updated_at FROM alarms
WHERE name > @after ORDER BY name LIMIT @limit;

-- name: AlarmListAll
SELECT name, definition, origin, state, state_value, state_reason, state_changed_at, created_at, updated_at FROM alarms ORDER BY name;

-- name: AlarmDelete
DELETE FROM alarms WHERE name = @name;

-- A NULL @value is sent as text: the cast lets PostgreSQL store it in a double column.
-- name: AlarmSetState
UPDATE alarms SET state = @state, state_value = CAST(@value AS DOUBLE PRECISION), state_reason = @reason, state_changed_at = @now WHERE name = @name AND state = @old_state;

-- name: AlarmHistoryInsert
INSERT INTO alarm_history (alarm, at, old_state, new_state, value, reason)
VALUES (@alarm, @now, @old_state, @new_state, CAST(@value AS DOUBLE PRECISION), @reason);

-- name: AlarmHistoryList
SELECT at, old_state, new_state, value, reason FROM alarm_history WHERE alarm = @alarm ORDER BY id DESC LIMIT @limit;

-- Keeps the newest @keep transitions of an alarm.
-- name: AlarmHistoryTrim
DELETE FROM alarm_history WHERE alarm = @alarm AND id < (
    SELECT min(id) FROM (SELECT id FROM alarm_history WHERE alarm = @alarm ORDER BY id DESC LIMIT @keep) newest);

-- name: AlarmHistoryDeleteForAlarm
DELETE FROM alarm_history WHERE alarm = @alarm;
