-- name: ArchiveUpsert
INSERT INTO archives (name, definition, origin, created_at, updated_at) VALUES (@name, @definition, @origin, @now, @now)
ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, origin = excluded.origin, updated_at = excluded.updated_at;

-- name: ArchiveGet
SELECT name, definition, origin, created_at, updated_at FROM archives WHERE name = @name;

-- name: ArchiveList
SELECT name, definition, origin, created_at, updated_at FROM archives WHERE name > @after ORDER BY name LIMIT @limit;

-- name: ArchiveListAll
SELECT name, definition, origin, created_at, updated_at FROM archives ORDER BY name;

-- name: ArchiveDelete
DELETE FROM archives WHERE name = @name;

-- name: ArchiveStats
SELECT count(*), CAST(coalesce(sum(size), 0) AS BIGINT), min(event_time), max(event_time) FROM archive_entries WHERE archive = @archive;

-- name: ArchiveEntryInsert
INSERT INTO archive_entries (archive, event_id, event_time, archived_at, path, size, pending_body)
VALUES (@archive, @event_id, @event_time, @now, @path, @size, @body)
ON CONFLICT DO NOTHING;

-- name: ArchiveEntryListPending
SELECT seq, archive, path, pending_body FROM archive_entries WHERE pending_body IS NOT NULL ORDER BY seq LIMIT @limit;

-- name: ArchiveEntryMarkWritten
UPDATE archive_entries SET pending_body = NULL WHERE seq = @seq;

-- Entries of a time range after a position (event_time, seq), in that order: a replay's next batch.
-- name: ArchiveEntryListRange
SELECT seq, event_id, event_time, path, pending_body FROM archive_entries
WHERE archive = @archive AND event_time >= @from AND event_time < @to
  AND (event_time > @after_time OR (event_time = @after_time AND seq > @after_seq))
ORDER BY event_time, seq
LIMIT @limit;

-- name: ArchiveEntryListArchivedBefore
SELECT seq, path FROM archive_entries WHERE archive = @archive AND archived_at < @before ORDER BY archived_at LIMIT @limit;

-- name: ArchiveEntryDelete
DELETE FROM archive_entries WHERE seq = @seq;

-- name: ArchiveEntryDeleteForArchive
DELETE FROM archive_entries WHERE archive = @archive;
