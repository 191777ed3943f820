-- What the bus caches (rules, topics with subscriptions, archives), summarised: counts and latest change
-- times. A process compares it with what it loaded to notice changes other processes made.
-- name: BusFingerprint
SELECT (SELECT count(*) FROM rules), (SELECT coalesce(max(updated_at), 0) FROM rules),
       (SELECT count(*) FROM topics), (SELECT coalesce(max(updated_at), 0) FROM topics),
       (SELECT count(*) FROM subscriptions), (SELECT coalesce(max(created_at), 0) FROM subscriptions),
       (SELECT count(*) FROM archives), (SELECT coalesce(max(updated_at), 0) FROM archives);
