-- name: QueueUpsert
INSERT INTO queues (name, attributes, created_at, updated_at) VALUES (@name, @attributes, @now, @now)
ON CONFLICT (name) DO UPDATE SET attributes = excluded.attributes, updated_at = excluded.updated_at;

-- name: QueueGet
SELECT name, attributes, created_at, updated_at FROM queues WHERE name = @name;

-- name: QueueList
SELECT name, attributes, created_at, updated_at FROM queues WHERE name > @after ORDER BY name LIMIT @limit;

-- name: QueueListAll
SELECT name, attributes, created_at, updated_at FROM queues ORDER BY name;

-- name: QueueDelete
DELETE FROM queues WHERE name = @name;

-- name: QueueStats
SELECT
    coalesce(sum(CASE WHEN visible_at <= @now THEN 1 ELSE 0 END), 0)                          AS ready,
    coalesce(sum(CASE WHEN visible_at > @now AND receive_count > 0 THEN 1 ELSE 0 END), 0)     AS in_flight,
    coalesce(sum(CASE WHEN visible_at > @now AND receive_count = 0 THEN 1 ELSE 0 END), 0)     AS delayed,
    min(enqueued_at)                                                                            AS oldest_enqueued_at
FROM messages WHERE queue = @queue AND state = 0;
