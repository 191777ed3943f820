-- name: IdempotencyInsert
INSERT INTO idempotency_keys (scope, key, request_hash, response, created_at)
VALUES (@scope, @key, @request_hash::bytea, @response, @now)
ON CONFLICT DO NOTHING;
