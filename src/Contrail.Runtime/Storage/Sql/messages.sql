-- name: MessageSend
INSERT INTO messages (queue, body, headers, event_id, dedup_key, enqueued_at, visible_at)
VALUES (@queue, @body, @headers, @event_id, @dedup_key, @now, @visible_at)
ON CONFLICT DO NOTHING;

-- name: MessageMoveExhaustedToDlq
UPDATE messages
SET queue = @dlq, source_queue = queue, receive_count = 0, first_received_at = NULL, visible_at = @now, owner = NULL
WHERE queue = @queue AND state = 0 AND receive_count > 0 AND receive_count >= @max_receive_count AND visible_at <= @now;

-- name: MessageReceiveMany
UPDATE messages
SET visible_at = @visible_until, receive_count = receive_count + 1, first_received_at = coalesce(first_received_at, @now), owner = @owner
WHERE id IN (SELECT id FROM messages WHERE queue = @queue AND state = 0 AND visible_at <= @now
             AND receive_count < @max_receive_count
             ORDER BY visible_at, id LIMIT @max)
RETURNING id, body, headers, event_id, enqueued_at, receive_count, first_received_at, last_error;

-- name: MessageDelete
UPDATE messages SET state = 1, done_at = @now
WHERE id = @id AND receive_count = @receive_count AND state = 0;

-- name: MessageChangeVisibility
UPDATE messages SET visible_at = @visible_at, owner = NULL, last_error = coalesce(@error, last_error)
WHERE id = @id AND receive_count = @receive_count AND state = 0;

-- name: MessageMoveToDlq
UPDATE messages
SET queue = @dlq, source_queue = queue, receive_count = 0, first_received_at = NULL, visible_at = @now, owner = NULL,
    last_error = coalesce(@error, last_error)
WHERE id = @id AND receive_count = @receive_count AND state = 0;

-- name: MessagePeek
SELECT id, body, headers, event_id, enqueued_at, receive_count, first_received_at, last_error, source_queue, visible_at
FROM messages WHERE queue = @queue AND state = 0 AND id > @after ORDER BY id LIMIT @limit;

-- name: MessageRedrive
UPDATE messages
SET queue = source_queue, source_queue = NULL, receive_count = 0, first_received_at = NULL, visible_at = @now
WHERE id IN (SELECT id FROM messages WHERE queue = @dlq AND state = 0 AND (@source IS NULL OR source_queue = @source)
             ORDER BY id LIMIT @limit);

-- name: MessagePurge
UPDATE messages SET state = 3, done_at = @now WHERE queue = @queue AND state = 0;

-- name: MessageExpireEnqueuedBefore
UPDATE messages SET state = 2, done_at = @now WHERE queue = @queue AND state = 0 AND enqueued_at < @before;

-- name: MessageHistoryDeleteDoneBefore
DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE state <> 0 AND done_at < @before ORDER BY done_at LIMIT @limit);

-- name: MessageListForEvent
SELECT id, queue, state, receive_count, source_queue, last_error, done_at, headers
FROM messages WHERE event_id = @event_id ORDER BY id;

-- name: MessageDeleteForQueue
DELETE FROM messages WHERE queue = @queue;

-- Messages in flight with a process that is gone become visible again at once, instead of after their
-- visibility timeout. Only called when no other process can hold messages (SQLite's exclusive lock).
-- name: MessageReleaseOrphaned
UPDATE messages SET visible_at = @now, owner = NULL WHERE state = 0 AND owner IS NOT NULL AND owner <> @owner;
