-- name: ApiKeyInsert
INSERT INTO api_keys (id, name, key_hash, scopes, created_at) VALUES (@id, @name, @key_hash, @scopes, @now);

-- name: ApiKeyListActive
SELECT id, name, key_hash, scopes, created_at FROM api_keys WHERE revoked_at IS NULL ORDER BY created_at, id;

-- name: ApiKeyRevoke
UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL;

-- name: ApiKeyRevokeByName
UPDATE api_keys SET revoked_at = @now WHERE name = @name AND revoked_at IS NULL;

-- name: ApiKeyList
SELECT id, name, scopes, created_at, revoked_at FROM api_keys
WHERE id > @after AND (@include_revoked = 1 OR revoked_at IS NULL) ORDER BY id LIMIT @limit;
