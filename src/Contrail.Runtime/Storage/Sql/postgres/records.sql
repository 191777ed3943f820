-- PostgreSQL: writers run concurrently, so a read-modify-write locks the row it read.
-- name: RecordGetForUpdate
SELECT value, version, updated_at FROM records WHERE collection = @collection AND key = @key FOR UPDATE;
