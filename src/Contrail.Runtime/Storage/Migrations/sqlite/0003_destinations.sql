-- HTTP destinations (EventBridge API destinations) and the record of what each one delivered.

-- A destination's definition is JSON (url, method, auth, template, limits, retry policy). Its auth names
-- where the secret is (env:NAME, file:/path, config:Key); the secret itself is never stored.
CREATE TABLE destinations (
    name        TEXT    PRIMARY KEY,
    definition  TEXT    NOT NULL,
    origin      TEXT    NOT NULL,                -- api | application
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per delivery its target accepted, written in the transaction that acks the delivery's message,
-- so a delivery id found here is never sent again (the id is also the Idempotency-Key sent with it).
CREATE TABLE destination_deliveries (
    destination   TEXT    NOT NULL,
    delivery_id   TEXT    NOT NULL,
    event_id      TEXT,
    status        INTEGER NOT NULL,              -- the target's HTTP status
    attempts      INTEGER NOT NULL,
    delivered_at  INTEGER NOT NULL,
    PRIMARY KEY (destination, delivery_id)
) WITHOUT ROWID;
CREATE INDEX destination_deliveries_delivered_at ON destination_deliveries (delivered_at);
