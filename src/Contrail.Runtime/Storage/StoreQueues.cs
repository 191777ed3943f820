using Contrail.Json;
using Contrail.Queues;
using System.Data.Common;

namespace Contrail.Storage;

public partial class StoreReader
{
    private static QueueDefinition ReadQueue(DbDataReader r) =>
        new(r.GetString(0), ContrailJson.Deserialize<QueueAttributes>(r.GetString(1))!, r.GetInt64(2), r.GetInt64(3));

    public QueueDefinition? QueueGet(string name) => QueryFirst("QueueGet", ReadQueue, ("@name", name));

    public List<QueueDefinition> QueueList(string after, int limit) => Query("QueueList", ReadQueue, ("@after", after), ("@limit", limit));

    public List<QueueDefinition> QueueListAll() => Query("QueueListAll", ReadQueue);

    public QueueStats QueueStats(string queue) =>
        QueryFirst("QueueStats", r => new QueueStats(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.Int64OrNull(3)), ("@queue", queue), ("@now", NowMs))!;

    public List<StoredMessage> MessagePeek(string queue, long afterId, int limit) =>
        Query("MessagePeek", r => new StoredMessage(r.GetInt64(0), r.GetString(1), ContrailJson.DeserializeHeaders(r.StringOrNull(2)), r.StringOrNull(3),
                r.GetInt64(4), r.GetInt32(5), r.Int64OrNull(6), r.StringOrNull(7), r.StringOrNull(8), r.GetInt64(9)),
            ("@queue", queue), ("@after", afterId), ("@limit", limit));

    public List<MessageDelivery> MessageListForEvent(string eventId) =>
        Query("MessageListForEvent", r => new MessageDelivery(r.GetInt64(0), r.GetString(1), (MessageState)r.GetInt32(2), r.GetInt32(3),
                r.StringOrNull(4), r.StringOrNull(5), r.Int64OrNull(6), ContrailJson.DeserializeHeaders(r.StringOrNull(7))),
            ("@event_id", eventId));
}

public sealed partial class StoreWriter
{
    public void QueueUpsert(string name, QueueAttributes attributes) =>
        Execute("QueueUpsert", ("@name", name), ("@attributes", ContrailJson.Serialize(attributes)), ("@now", NowMs));

    public bool QueueDelete(string name)
    {
        Execute("MessageDeleteForQueue", ("@queue", name));
        return Execute("QueueDelete", ("@name", name)) > 0;
    }

    /// <summary>Sends one message; false when its dedup key was already used on that queue.</summary>
    public bool MessageSend(string queue, in OutgoingMessage message)
    {
        var now = NowMs;
        var visibleAt = message.Delay is { } delay ? now + (long)delay.TotalMilliseconds : now;
        var inserted = Execute("MessageSend",
            ("@queue", queue), ("@body", message.Body), ("@headers", ContrailJson.SerializeHeaders(message.Headers)),
            ("@event_id", message.EventId), ("@dedup_key", message.DedupKey), ("@now", now), ("@visible_at", visibleAt)) > 0;
        if (inserted) TouchQueue(queue);
        return inserted;
    }

    /// <summary>
    /// Receives up to <paramref name="max"/> visible messages and hides them for the visibility timeout.
    /// Messages already received <see cref="QueueAttributes.MaxReceiveCount"/> times are never delivered
    /// again; <see cref="MessageMoveExhaustedToDlq"/> moves them to the dead-letter queue.
    /// </summary>
    public List<QueueMessage> MessageReceiveMany(string queue, QueueAttributes attributes, int max, TimeSpan? visibilityTimeout = null)
    {
        var now = NowMs;
        var visibility = visibilityTimeout ?? TimeSpan.FromSeconds(attributes.VisibilityTimeoutSeconds);
        var messages = Query("MessageReceiveMany",
            r => new QueueMessage(r.GetInt64(0), queue, r.GetString(1), r.StringOrNull(2), r.StringOrNull(3),
                r.GetInt64(4), r.GetInt32(5), r.Int64OrNull(6), r.StringOrNull(7)),
            ("@queue", queue), ("@now", now), ("@visible_until", now + (long)visibility.TotalMilliseconds), ("@max", max),
            ("@max_receive_count", attributes.MaxReceiveCount ?? int.MaxValue), ("@owner", Owner));
        messages.Sort(static (a, b) => a.Id.CompareTo(b.Id));
        return messages;
    }

    /// <summary>
    /// Moves visible messages that used up their receives to the dead-letter queue, as SQS does when such a
    /// message would be received again. Failed handlings move at once; this catches the ones whose
    /// visibility timeout ran out (a handler that hung, a process that died).
    /// </summary>
    public int MessageMoveExhaustedToDlq(string queue, QueueAttributes attributes)
    {
        if (attributes.MaxReceiveCount is not { } maxReceives || attributes.DeadLetterQueue is not { } dlq) return 0;
        var moved = Execute("MessageMoveExhaustedToDlq", ("@queue", queue), ("@dlq", dlq), ("@now", NowMs), ("@max_receive_count", maxReceives));
        if (moved > 0) TouchQueue(dlq);
        return moved;
    }

    /// <summary>Deletes (acks) a received message; false when the receipt is stale.</summary>
    public bool MessageDelete(long id, int receiveCount) =>
        Execute("MessageDelete", ("@id", id), ("@receive_count", receiveCount), ("@now", NowMs)) > 0;

    /// <summary>Makes a received message visible again after <paramref name="delay"/>; false when the receipt is stale.</summary>
    public bool MessageChangeVisibility(long id, int receiveCount, TimeSpan delay, string? error = null) =>
        Execute("MessageChangeVisibility", ("@id", id), ("@receive_count", receiveCount),
            ("@visible_at", NowMs + (long)delay.TotalMilliseconds), ("@error", error)) > 0;

    /// <summary>Moves a received message to a dead-letter queue now, recording why.</summary>
    public bool MessageMoveToDlq(long id, int receiveCount, string dlq, string? error)
    {
        var moved = Execute("MessageMoveToDlq", ("@id", id), ("@receive_count", receiveCount), ("@dlq", dlq), ("@now", NowMs), ("@error", error)) > 0;
        if (moved) TouchQueue(dlq);
        return moved;
    }

    /// <summary>Moves messages from a dead-letter queue back to the queue they came from.</summary>
    public int MessageRedrive(string dlq, string? sourceQueue, int limit)
    {
        var moved = Execute("MessageRedrive", ("@dlq", dlq), ("@source", sourceQueue), ("@now", NowMs), ("@limit", limit));
        if (moved > 0)
        {
            if (sourceQueue is not null) TouchQueue(sourceQueue);
            else foreach (var q in QueueListAll()) TouchQueue(q.Name);
        }
        return moved;
    }

    /// <summary>Releases messages held in flight by processes other than this one; returns how many.</summary>
    public int MessageReleaseOrphaned() => Execute("MessageReleaseOrphaned", ("@now", NowMs), ("@owner", Owner));

    public int MessagePurge(string queue) => Execute("MessagePurge", ("@queue", queue), ("@now", NowMs));

    public int MessageExpireEnqueuedBefore(string queue, long before) =>
        Execute("MessageExpireEnqueuedBefore", ("@queue", queue), ("@before", before), ("@now", NowMs));

    public int MessageHistoryDeleteDoneBefore(long before, int limit) =>
        Execute("MessageHistoryDeleteDoneBefore", ("@before", before), ("@limit", limit));
}
