-- name: ChangeAppend
INSERT INTO changes (collection, key, old_value, new_value, committed_at) VALUES (@collection, @key, @old_value, @new_value, @now);

-- name: ChangeReadAfter
SELECT seq, collection, key, old_value, new_value, committed_at FROM changes
WHERE seq > @after AND (@collection IS NULL OR collection = @collection)
ORDER BY seq LIMIT @limit;

-- name: ChangeDeleteCommittedBefore
DELETE FROM changes WHERE seq IN (SELECT seq FROM changes WHERE committed_at < @before ORDER BY seq LIMIT @limit);

-- name: CheckpointGet
SELECT position FROM checkpoints WHERE name = @name;

-- name: CheckpointSet
INSERT INTO checkpoints (name, position, updated_at) VALUES (@name, @position, @now)
ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at;

-- name: MigrationCount
SELECT count(*) FROM schema_migrations;

-- name: ChangeLastSeq
SELECT coalesce(max(seq), 0) FROM changes;
