using System.Globalization;
using Contrail.Observability;
using Contrail.Queues;
using Contrail.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Contrail.Bus;

/// <summary>Settings of the bus (<c>Bus:*</c>).</summary>
public sealed class BusOptions
{
    /// <summary>First retry delay of a failed asynchronous delivery; doubles with every attempt, with jitter.</summary>
    public double TargetRetryBaseSeconds { get; set; } = 1;

    /// <summary>Longest delay between attempts.</summary>
    public double TargetRetryMaxSeconds { get; set; } = 300;

    /// <summary>Asynchronous deliveries running at once.</summary>
    public int TargetConcurrency { get; set; } = 16;

    /// <summary>How long one attempt may take before it counts as failed.</summary>
    public TimeSpan TargetTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How soon rule, topic and archive changes made by another process sharing the database are seen (0: never).</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// The one path for targets whose effect is outside the store (log now; workflow or destination kinds plug
/// in by registering <see cref="TargetKind.Async"/>). In the accepting transaction each delivery becomes a
/// message on the internal queue <see cref="QueueName"/>, so accepting an event and owing its deliveries
/// commit together. A consumer then calls the kind; a failed attempt is retried with exponential backoff
/// until the target's <see cref="RetryPolicy"/> runs out (attempts or event age), and the event then goes to
/// the target's dead-letter queue, or, without one, to <c>contrail.targets-dlq</c> where it can be
/// inspected and redriven.
/// </summary>
public sealed class AsyncTargetDelivery
{
    public const string QueueName = "contrail.targets";

    private const string TypeHeader = "type";
    private const string NameHeader = "name";
    private const string RetriesHeader = "maximum_retry_attempts";
    private const string AgeHeader = "maximum_event_age_in_seconds";
    private const string DeadLetterHeader = "dead_letter_queue";

    private readonly Dictionary<string, TargetKind> _kinds;
    private readonly Store _store;
    private readonly QueueRegistry _queues;
    private readonly DeliveryCounters _counters;
    private readonly BusOptions _options;
    private readonly ILogger<AsyncTargetDelivery> _logger;

    public AsyncTargetDelivery(IEnumerable<TargetKind> kinds, Store store, QueueRegistry queues, DeliveryCounters counters,
        IOptions<BusOptions> options, ILogger<AsyncTargetDelivery> logger)
    {
        _kinds = kinds.Where(k => k.Invoke is not null).ToDictionary(k => k.Type, StringComparer.Ordinal);
        _store = store;
        _queues = queues;
        _counters = counters;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>The internal queue's settings. Its receive limit is above any retry policy: the policy decides.</summary>
    public QueueAttributes QueueAttributes => new()
    {
        VisibilityTimeoutSeconds = (int)Math.Ceiling(_options.TargetTimeout.TotalSeconds) + 30,
        MaxReceiveCount = 1000,
        RetryBaseSeconds = _options.TargetRetryBaseSeconds,
        RetryMaxSeconds = Math.Max(_options.TargetRetryBaseSeconds, _options.TargetRetryMaxSeconds),
    };

    public QueueConsumerRegistration Consumer => new(QueueName, HandleAsync, null)
    {
        Concurrency = _options.TargetConcurrency,
        Prefetch = _options.TargetConcurrency,
    };

    /// <summary>Owes the delivery, in the accepting transaction; the target's policy travels with it.</summary>
    public void Enqueue(StoreWriter writer, in TargetDelivery delivery)
    {
        var headers = delivery.Headers();
        headers[TypeHeader] = delivery.Target.Type;
        headers[NameHeader] = delivery.Target.Name;
        var policy = delivery.Target.RetryPolicy ?? new RetryPolicy();
        headers[RetriesHeader] = policy.MaximumRetryAttempts.ToString(CultureInfo.InvariantCulture);
        headers[AgeHeader] = policy.MaximumEventAgeInSeconds.ToString(CultureInfo.InvariantCulture);
        if (delivery.Target.DeadLetterQueue is { } dlq) headers[DeadLetterHeader] = dlq;
        writer.MessageSend(QueueName, new OutgoingMessage(delivery.Input, headers, delivery.Event.Id));
    }

    private async ValueTask HandleAsync(QueueMessage message, CancellationToken ct)
    {
        var type = message.Header(TypeHeader) ?? "";
        var rule = message.Header("rule") ?? "";
        var target = message.Header("target") ?? "";
        if (!_kinds.TryGetValue(type, out var kind))
            throw new DeadLetterException($"target type '{type}' is not registered for asynchronous delivery in this process");
        var counter = _counters.For(DeliveryCounters.RuleTarget, rule + "/" + target);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.TargetTimeout);
        try
        {
            await kind.Invoke!(new AsyncTargetInvocation(type, message.Header(NameHeader) ?? "", message.Body, message.EventId, rule, target,
                message.ReceiveCount, message.Headers ?? new Dictionary<string, string>()), timeout.Token).ConfigureAwait(false);
            counter.Succeeded();
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            counter.Failed();
            var ageSeconds = (_store.Time.GetUtcNow().ToUnixTimeMilliseconds() - message.EnqueuedAt) / 1000.0;
            // A kind throws DeadLetterException for what can never succeed (bad input, say): no retries then.
            var exhausted = ex is DeadLetterException ? "NonRetryableError"
                : Exhausted(message.ReceiveCount, ageSeconds, Int(message, RetriesHeader, RetryPolicy.DefaultAttempts), Int(message, AgeHeader, RetryPolicy.DefaultEventAgeSeconds));
            if (exhausted is null) throw;
            var error = ex is OperationCanceledException ? $"the attempt took longer than {_options.TargetTimeout.TotalSeconds:0.#} s" : ex.Message;
            if (message.Header(DeadLetterHeader) is not { } dlq)
                throw new DeadLetterException($"{exhausted} exhausted after {message.ReceiveCount} attempts: {error}");
            var headers = new Dictionary<string, string>
            {
                ["rule"] = rule, ["target"] = target, [TargetDeadLetters.ErrorHeader] = error,
                ["exhausted_retry_condition"] = exhausted, ["retry_attempts"] = (message.ReceiveCount - 1).ToString(CultureInfo.InvariantCulture),
            };
            if (message.Header("traceparent") is { } traceparent) headers["traceparent"] = traceparent;
            // The dead-letter queue receives the event itself, as EventBridge's does; the dedup key keeps a
            // redelivered message (a crash before its ack) from dead-lettering twice.
            var body = message.EventId is { } eventId ? _store.Read(r => r.EventGet(eventId))?.Body ?? message.Body : message.Body;
            var sent = await _store.WriteAsync(w => TargetDeadLetters.Send(w, _queues, dlq, new OutgoingMessage(body, headers, message.EventId, "target-dlq:" + message.Id)), ct: ct).ConfigureAwait(false);
            if (sent)
                _logger.LogWarning("Event {EventId} for rule {Rule} target {Target} went to dead-letter queue {Queue}: {Condition} exhausted; last error: {Error}",
                    message.EventId, rule, target, dlq, exhausted, error);
            else
                _logger.LogError("Event {EventId} for rule {Rule} target {Target} is dropped: its dead-letter queue {Queue} does not exist; last error: {Error}",
                    message.EventId, rule, target, dlq, error);
        }
    }

    /// <summary>
    /// Which limit of the retry policy a failed attempt used up ("MaximumRetryAttempts", "MaximumEventAgeInSeconds",
    /// EventBridge's names), or null when it may be retried.
    /// </summary>
    public static string? Exhausted(int attempt, double eventAgeSeconds, int maximumRetryAttempts, int maximumEventAgeSeconds) =>
        attempt > maximumRetryAttempts ? "MaximumRetryAttempts"
        : eventAgeSeconds >= maximumEventAgeSeconds ? "MaximumEventAgeInSeconds"
        : null;

    private static int Int(QueueMessage message, string header, int fallback) =>
        int.TryParse(message.Header(header), CultureInfo.InvariantCulture, out var value) ? value : fallback;
}

/// <summary>Where events go that a target could not take.</summary>
public static class TargetDeadLetters
{
    /// <summary>The header with the reason, on every message sent to a target's dead-letter queue.</summary>
    public const string ErrorHeader = "error";

    /// <summary>Sends to a target's dead-letter queue in the caller's transaction; false when that queue does not exist.</summary>
    public static bool Send(StoreWriter writer, QueueRegistry queues, string deadLetterQueue, in OutgoingMessage message)
    {
        if (!queues.Exists(writer, deadLetterQueue)) return false;
        writer.MessageSend(deadLetterQueue, message);
        return true;
    }
}
