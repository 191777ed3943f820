-- name: EventInsert
INSERT INTO events (id, source, detail_type, time, received_at, body, matched_rules, replay_name)
VALUES (@id, @source, @detail_type, @time, @received_at, @body, @matched_rules, @replay_name);

-- name: EventGet
SELECT seq, id, body, matched_rules, received_at, replay_name FROM events WHERE id = @id;

-- name: EventList
SELECT seq, id, body, matched_rules, received_at, replay_name FROM events
WHERE seq < @before_seq
  AND (@source IS NULL OR source = @source)
  AND (@detail_type IS NULL OR detail_type = @detail_type)
ORDER BY seq DESC
LIMIT @limit;

-- name: EventDeleteReceivedBefore
DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE received_at < @before ORDER BY seq LIMIT @limit);
