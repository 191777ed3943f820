-- name: RecordGet
SELECT value, version, updated_at FROM records WHERE collection = @collection AND key = @key;

-- SQLite has one writer, so reading in the write transaction is enough to read-modify-write.
-- name: RecordGetForUpdate
SELECT value, version, updated_at FROM records WHERE collection = @collection AND key = @key;

-- name: RecordInsert
INSERT INTO records (collection, key, value, version, updated_at) VALUES (@collection, @key, @value, 1, @now);

-- name: RecordUpdate
UPDATE records SET value = @value, version = version + 1, updated_at = @now
WHERE collection = @collection AND key = @key;

-- name: RecordDelete
DELETE FROM records WHERE collection = @collection AND key = @key;

-- name: RecordList
SELECT key, value, version, updated_at FROM records
WHERE collection = @collection AND key > @after ORDER BY key LIMIT @limit;

-- name: RecordIndexInsert
INSERT INTO record_index (collection, index_name, value, key) VALUES (@collection, @index_name, @value, @key)
ON CONFLICT DO NOTHING;

-- name: RecordIndexDelete
DELETE FROM record_index WHERE collection = @collection AND index_name = @index_name AND value = @value AND key = @key;

-- name: RecordQueryByIndex
SELECT r.key, r.value, r.version, r.updated_at
FROM record_index i JOIN records r ON r.collection = i.collection AND r.key = i.key
WHERE i.collection = @collection AND i.index_name = @index_name AND i.value = @value AND i.key > @after
ORDER BY i.key LIMIT @limit;

-- name: RecordCountByIndex
SELECT count(*) FROM record_index WHERE collection = @collection AND index_name = @index_name AND value = @value;
