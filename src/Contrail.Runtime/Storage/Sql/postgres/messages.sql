-- PostgreSQL: several processes claim from one table. SKIP LOCKED lets each take rows no one else is
-- claiming at that instant instead of waiting on them.
-- name: MessageReceiveMany
WITH picked AS (
    SELECT id FROM messages
    WHERE queue = @queue AND state = 0 AND visible_at <= @now AND receive_count < @max_receive_count
    ORDER BY visible_at, id LIMIT @max
    FOR UPDATE SKIP LOCKED
)
UPDATE messages m
SET visible_at = @visible_until, receive_count = m.receive_count + 1, first_received_at = coalesce(m.first_received_at, @now), owner = @owner
FROM picked WHERE m.id = picked.id
RETURNING m.id, m.body, m.headers, m.event_id, m.enqueued_at, m.receive_count, m.first_received_at, m.last_error;
