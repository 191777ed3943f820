-- name: DestinationUpsert
INSERT INTO destinations (name, definition, origin, created_at, updated_at) VALUES (@name, @definition, @origin, @now, @now)
ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, origin = excluded.origin, updated_at = excluded.updated_at;

-- name: DestinationGet
SELECT name, definition, origin, created_at, updated_at FROM destinations WHERE name = @name;

-- name: DestinationList
SELECT name, definition, origin, created_at, updated_at FROM destinations WHERE name > @after ORDER BY name LIMIT @limit;

-- name: DestinationListAll
SELECT name, definition, origin, created_at, updated_at FROM destinations ORDER BY name;

-- name: DestinationDelete
DELETE FROM destinations WHERE name = @name;

-- name: DestinationDeliveryInsert
INSERT INTO destination_deliveries (destination, delivery_id, event_id, status, attempts, delivered_at)
VALUES (@destination, @delivery_id, @event_id, @status, @attempts, @now)
ON CONFLICT DO NOTHING;

-- name: DestinationDeliveryGet
SELECT delivery_id, event_id, status, attempts, delivered_at FROM destination_deliveries
WHERE destination = @destination AND delivery_id = @delivery_id;

-- name: DestinationDeliveryCount
SELECT count(*) FROM destination_deliveries WHERE destination = @destination;

-- name: DestinationDeliveryDeleteBefore
DELETE FROM destination_deliveries WHERE (destination, delivery_id) IN (
    SELECT destination, delivery_id FROM destination_deliveries WHERE delivered_at < @before ORDER BY delivered_at LIMIT @limit);
