namespace Contrail.Queues;

/// <summary>
/// A queue's settings, with SQS's meaning. A queue has a dead-letter queue named <c>{name}-dlq</c> unless
/// <see cref="MaxReceiveCount"/> is null (then a failing message is retried until its retention ends).
/// </summary>
public sealed record QueueAttributes
{
    public const int MaxNameLength = 80;

    /// <summary>How long a received message stays invisible to other receivers.</summary>
    public int VisibilityTimeoutSeconds { get; init; } = 30;

    /// <summary>How long an unprocessed message is kept (SQS default: 4 days).</summary>
    public int MessageRetentionSeconds { get; init; } = 345_600;

    /// <summary>Delay before a newly sent message becomes visible.</summary>
    public int DelaySeconds { get; init; }

    /// <summary>Receives after which the message moves to the dead-letter queue; null for no dead-letter queue.</summary>
    public int? MaxReceiveCount { get; init; } = 5;

    /// <summary>The dead-letter queue; defaults to <c>{name}-dlq</c> when <see cref="MaxReceiveCount"/> is set.</summary>
    public string? DeadLetterQueue { get; init; }

    /// <summary>First retry delay after a failed handling; doubles with every receive, with jitter.</summary>
    public double RetryBaseSeconds { get; init; } = 1;

    /// <summary>Longest retry delay.</summary>
    public double RetryMaxSeconds { get; init; } = 300;

    /// <summary>Retention of a dead-letter queue created for a queue (SQS maximum: 14 days).</summary>
    public const int DeadLetterRetentionSeconds = 1_209_600;

    public static bool IsValidName(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= MaxNameLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    /// <summary>Every problem with these attributes, as (JSON pointer, detail).</summary>
    public List<(string Pointer, string Detail)> Problems(string queueName)
    {
        var problems = new List<(string, string)>();
        if (VisibilityTimeoutSeconds is < 0 or > 43_200)
            problems.Add(("/visibility_timeout_seconds", "must be between 0 and 43200 (12 hours)"));
        if (MessageRetentionSeconds is < 60 or > 1_209_600)
            problems.Add(("/message_retention_seconds", "must be between 60 and 1209600 (14 days)"));
        if (DelaySeconds is < 0 or > 900)
            problems.Add(("/delay_seconds", "must be between 0 and 900 (15 minutes)"));
        if (MaxReceiveCount is < 1 or > 1000)
            problems.Add(("/max_receive_count", "must be between 1 and 1000, or null for no dead-letter queue"));
        if (DeadLetterQueue is not null && !IsValidName(DeadLetterQueue))
            problems.Add(("/dead_letter_queue", "must be 1-80 letters, digits, '-', '_' or '.'"));
        if (DeadLetterQueue == queueName)
            problems.Add(("/dead_letter_queue", "a queue cannot be its own dead-letter queue"));
        if (RetryBaseSeconds is < 0 or > 3600 || RetryMaxSeconds < RetryBaseSeconds || RetryMaxSeconds > 43_200)
            problems.Add(("/retry_base_seconds", "retry_base_seconds must be 0-3600 and retry_max_seconds between it and 43200"));
        return problems;
    }

    /// <summary>These attributes with the defaults that depend on the queue's name filled in.</summary>
    public QueueAttributes Resolve(string queueName) =>
        MaxReceiveCount is null ? this with { DeadLetterQueue = null }
        : DeadLetterQueue is null ? this with { DeadLetterQueue = queueName + "-dlq" }
        : this;

    /// <summary>The attributes of a dead-letter queue created for a source queue.</summary>
    public static QueueAttributes ForDeadLetterQueue() =>
        new() { MessageRetentionSeconds = DeadLetterRetentionSeconds, MaxReceiveCount = null };
}
