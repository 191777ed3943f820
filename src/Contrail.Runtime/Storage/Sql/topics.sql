-- name: TopicUpsert
INSERT INTO topics (name, attributes, created_at, updated_at) VALUES (@name, @attributes, @now, @now)
ON CONFLICT (name) DO UPDATE SET attributes = excluded.attributes, updated_at = excluded.updated_at;

-- name: TopicGet
SELECT name, attributes, created_at, updated_at FROM topics WHERE name = @name;

-- name: TopicList
SELECT name, attributes, created_at, updated_at FROM topics WHERE name > @after ORDER BY name LIMIT @limit;

-- name: TopicListAll
SELECT name, attributes, created_at, updated_at FROM topics ORDER BY name;

-- name: TopicDelete
DELETE FROM topics WHERE name = @name;

-- name: SubscriptionInsert
INSERT INTO subscriptions (id, topic, definition, created_at) VALUES (@id, @topic, @definition, @now);

-- name: SubscriptionGet
SELECT id, topic, definition, created_at FROM subscriptions WHERE topic = @topic AND id = @id;

-- name: SubscriptionList
SELECT id, topic, definition, created_at FROM subscriptions WHERE topic = @topic AND id > @after ORDER BY id LIMIT @limit;

-- name: SubscriptionListAll
SELECT id, topic, definition, created_at FROM subscriptions ORDER BY topic, id;

-- name: SubscriptionDelete
DELETE FROM subscriptions WHERE topic = @topic AND id = @id;

-- name: SubscriptionDeleteForTopic
DELETE FROM subscriptions WHERE topic = @topic;

-- name: SubscriptionCount
SELECT count(*) FROM subscriptions WHERE topic = @topic;
