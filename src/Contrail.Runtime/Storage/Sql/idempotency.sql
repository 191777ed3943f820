-- name: IdempotencyGet
SELECT request_hash, response FROM idempotency_keys WHERE scope = @scope AND key = @key;

-- name: IdempotencyInsert
INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)
VALUES (@scope, @key, @request_hash, @response, @now)
ON CONFLICT DO NOTHING;

-- name: IdempotencyDeleteCreatedBefore
DELETE FROM idempotency_keys WHERE created_at < @before;
