namespace Contrail.Queues;

/// <summary>A received message. <see cref="Receipt"/> names this receive: an ack or visibility change
/// with a stale receipt (the message was received again meanwhile) does nothing.</summary>
public sealed record QueueMessage(
    long Id,
    string Queue,
    string Body,
    string? HeadersJson,
    string? EventId,
    long EnqueuedAt,
    int ReceiveCount,
    long? FirstReceivedAt,
    string? LastError)
{
    private IReadOnlyDictionary<string, string>? _headers;

    public string Receipt => $"{Id}.{ReceiveCount}";

    /// <summary>Headers (traceparent, rule, target, ...), parsed on first use: most handlers never read them.</summary>
    public IReadOnlyDictionary<string, string>? Headers => _headers ??= Json.ContrailJson.DeserializeHeaders(HeadersJson);

    public string? Header(string name) => Headers is not null && Headers.TryGetValue(name, out var value) ? value : null;

    public static bool TryParseReceipt(string receipt, out long id, out int receiveCount)
    {
        id = 0;
        receiveCount = 0;
        var dot = receipt.IndexOf('.');
        return dot > 0 && long.TryParse(receipt.AsSpan(0, dot), out id) && int.TryParse(receipt.AsSpan(dot + 1), out receiveCount);
    }
}

/// <summary>A message to send.</summary>
public readonly record struct OutgoingMessage(
    string Body,
    IReadOnlyDictionary<string, string>? Headers = null,
    string? EventId = null,
    string? DedupKey = null,
    TimeSpan? Delay = null);

/// <summary>A message as seen by peek and the console, wherever it is in its life.</summary>
public sealed record StoredMessage(
    long Id,
    string Body,
    IReadOnlyDictionary<string, string>? Headers,
    string? EventId,
    long EnqueuedAt,
    int ReceiveCount,
    long? FirstReceivedAt,
    string? LastError,
    string? SourceQueue,
    long VisibleAt);

/// <summary>Counts over a queue's available messages.</summary>
public sealed record QueueStats(long Ready, long InFlight, long Delayed, long? OldestEnqueuedAt);

/// <summary>What became of a message: where it is, how often it was received, and its last error.</summary>
public sealed record MessageDelivery(long Id, string Queue, MessageState State, int ReceiveCount, string? SourceQueue, string? LastError, long? DoneAt, IReadOnlyDictionary<string, string>? Headers);

public enum MessageState
{
    /// <summary>Waiting, delayed or in flight.</summary>
    Available = 0,
    /// <summary>Handled and deleted (acked).</summary>
    Deleted = 1,
    /// <summary>Dropped when its retention ended.</summary>
    Expired = 2,
    /// <summary>Dropped by a purge.</summary>
    Purged = 3,
}

/// <summary>A queue's definition as stored.</summary>
public sealed record QueueDefinition(string Name, QueueAttributes Attributes, long CreatedAt, long UpdatedAt);
