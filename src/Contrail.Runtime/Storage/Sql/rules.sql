-- name: RuleUpsert
INSERT INTO rules (name, definition, origin, created_at, updated_at) VALUES (@name, @definition, @origin, @now, @now)
ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, origin = excluded.origin, updated_at = excluded.updated_at;

-- name: RuleGet
SELECT name, definition, origin, created_at, updated_at FROM rules WHERE name = @name;

-- name: RuleList
SELECT name, definition, origin, created_at, updated_at FROM rules WHERE name > @after ORDER BY name LIMIT @limit;

-- name: RuleListAll
SELECT name, definition, origin, created_at, updated_at FROM rules ORDER BY name;

-- name: RuleDelete
DELETE FROM rules WHERE name = @name;

-- name: RuleListByOrigin
SELECT name, definition, origin, created_at, updated_at FROM rules WHERE origin = @origin ORDER BY name;
