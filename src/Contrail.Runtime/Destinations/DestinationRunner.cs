using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Contrail.Observability;
using Contrail.Queues;
using Contrail.Storage;
using Microsoft.Extensions.Logging;

namespace Contrail.Destinations;

/// <summary>
/// Delivers one destination's queue. It is its own consumer rather than a <see cref="QueueConsumer"/>
/// handler for three reasons: a success must be recorded in the same transaction as the ack (so a
/// delivered id is never sent again); the retry delay is chosen per call (a 429's Retry-After, or backoff);
/// and messages must not be taken from the queue while the destination is paused or down.
/// <para>
/// One attempt per receive: a failed attempt puts the message back with its retry delay as its visibility,
/// so the retry schedule survives a crash and the receive count is the attempt number; the queue's receive
/// limit is the retry policy's <see cref="RetryPolicy.MaxAttempts"/>. A message waits in process (for the
/// gate, then for the rate limiter) only while the call could still finish before its visibility timeout;
/// otherwise it is put back unsent, which uses one receive.
/// </para>
/// </summary>
internal sealed class DestinationRunner
{
    /// <summary>Time kept between a call's timeout and the message's visibility deadline.</summary>
    private static readonly TimeSpan HoldMargin = TimeSpan.FromSeconds(2);
    /// <summary>
    /// How often messages whose last receive used up their attempts without an outcome (a crash, a hang) are
    /// moved to the DLQ. Failed attempts are dead-lettered by the runner at once, so this is a rare case; the
    /// sweep reads the queue's whole visible backlog in the writer, so it runs once a minute, not every few seconds.
    /// </summary>
    private static readonly TimeSpan DeadLetterSweepInterval = TimeSpan.FromMinutes(1);

    private readonly Destination _destination;
    private readonly Store _store;
    private readonly QueueRegistry _queues;
    private readonly DestinationSender _sender;
    private readonly DestinationMetrics _metrics;
    private readonly SlidingWindowLimiter _limiter;
    private readonly DestinationGate _gate;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly TimeSpan _pollInterval;
    private readonly Channel<Completion> _completions = Channel.CreateUnbounded<Completion>(new UnboundedChannelOptions { SingleReader = true });

    public DestinationRunner(Destination destination, Store store, QueueRegistry queues, DestinationSender sender, DestinationMetrics metrics,
        SlidingWindowLimiter limiter, DestinationGate gate, ILogger logger, TimeProvider time, TimeSpan pollInterval)
    {
        _destination = destination;
        _store = store;
        _queues = queues;
        _sender = sender;
        _metrics = metrics;
        _limiter = limiter;
        _gate = gate;
        _logger = logger;
        _time = time;
        _pollInterval = pollInterval;
    }

    private RetryPolicy Retry => _destination.Definition.Retry;

    public async Task RunAsync(CancellationToken stopping, CancellationToken abort)
    {
        var queue = _destination.Queue;
        var completer = Task.Run(CompleteLoopAsync, CancellationToken.None);
        // A call holds a rate-limit slot for at least a second, so no more than the rate limit can ever be in
        // flight: workers beyond it would only hold messages. As many messages wait for a worker as there are
        // workers, so a finishing worker never waits for a receive.
        var concurrency = Math.Min(_destination.Definition.Concurrency, _destination.Definition.RateLimitPerSecond);
        var capacity = concurrency * 2;
        var lowWater = Math.Max(1, capacity / 2);
        var held = 0;
        var room = new SemaphoreSlim(0);
        var buffer = Channel.CreateUnbounded<Held>(new UnboundedChannelOptions { SingleWriter = true });
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            await foreach (var message in buffer.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                try
                {
                    await HandleAsync(message, abort).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    // A bug must not take a worker down; the message reappears after its visibility timeout.
                    _logger.LogError(ex, "Delivering {DeliveryId} to {Destination} failed unexpectedly", message.DeliveryId, _destination.Name);
                }
                if (capacity - Interlocked.Decrement(ref held) == lowWater) room.Release();
            }
        }, CancellationToken.None)).ToArray();

        var signal = StoreSignals.Queue(queue);
        var nextSweep = 0L;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                if (!_queues.TryGet(queue, out var attributes))
                {
                    // The destination is being deleted (its queue went first); the dispatcher stops this runner.
                    await Task.Delay(_pollInterval, stopping).ConfigureAwait(false);
                    continue;
                }
                if (Environment.TickCount64 >= nextSweep)
                {
                    nextSweep = Environment.TickCount64 + (long)DeadLetterSweepInterval.TotalMilliseconds;
                    await _store.WriteAsync(w => w.MessageMoveExhaustedToDlq(queue, attributes), ct: stopping).ConfigureAwait(false);
                }

                // Closed gate: fill the free room. Open gate: take nothing, except one message for the probe when
                // it is due and no held message can be the probe.
                var inHand = Volatile.Read(ref held);
                var want = _gate.IsClosed ? capacity - inHand : inHand == 0 && _gate.ProbeDue ? 1 : 0;
                if (want == 0 || (_gate.IsClosed && want < lowWater))
                {
                    await Task.WhenAny(room.WaitAsync(_pollInterval, stopping), _gate.Changed).ConfigureAwait(false);
                    continue;
                }

                List<Held> received;
                try
                {
                    received = await ReceiveAsync(queue, attributes, want, stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogError(ex, "Receiving deliveries for destination {Destination} failed; retrying", _destination.Name);
                    await Task.Delay(_pollInterval, stopping).ConfigureAwait(false);
                    continue;
                }
                if (received.Count == 0)
                {
                    await _store.Signals.WaitAsync(signal, _pollInterval, stopping).ConfigureAwait(false);
                    continue;
                }
                Interlocked.Add(ref held, received.Count);
                foreach (var message in received) buffer.Writer.TryWrite(message);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        // Stop: messages not yet started go back at once; calls in flight finish (or are aborted after the grace).
        buffer.Writer.TryComplete();
        while (buffer.Reader.TryRead(out var unstarted)) _completions.Writer.TryWrite(Completion.Release(unstarted.Message, TimeSpan.Zero, null));
        await Task.WhenAll(workers).ConfigureAwait(false);
        _completions.Writer.TryComplete();
        await completer.ConfigureAwait(false);
    }

    /// <summary>
    /// Receives up to <paramref name="max"/> messages. In the same transaction, a message whose delivery id
    /// the target already accepted (a duplicate enqueue, a redrive of a copy) is acked without a call.
    /// </summary>
    private async Task<List<Held>> ReceiveAsync(string queue, QueueAttributes attributes, int max, CancellationToken ct)
    {
        var visibility = TimeSpan.FromSeconds(attributes.VisibilityTimeoutSeconds);
        var receivedAt = _time.GetTimestamp();
        var (fresh, skipped) = await _store.WriteAsync(w =>
        {
            var messages = w.MessageReceiveMany(queue, attributes, max, visibility);
            var fresh = new List<Held>(messages.Count);
            List<string>? skipped = null;
            foreach (var message in messages)
            {
                var deliveryId = DestinationDeliveries.DeliveryIdOf(message);
                if (w.DestinationDeliveryGet(_destination.Name, deliveryId) is not null)
                {
                    w.MessageDelete(message.Id, message.ReceiveCount);
                    (skipped ??= []).Add(deliveryId);
                }
                else fresh.Add(new Held(message, deliveryId, receivedAt + Ticks(visibility)));
            }
            return (fresh, skipped);
        }, ct: ct).ConfigureAwait(false);
        if (skipped is not null)
            foreach (var id in skipped)
                _logger.LogInformation("Delivery {DeliveryId} to {Destination} was already accepted by the target; not sent again", id, _destination.Name);
        return fresh;
    }

    private async Task HandleAsync(Held held, CancellationToken abort)
    {
        await Task.Yield();
        var message = held.Message;
        var attempt = message.ReceiveCount;
        using var activity = ContrailTelemetry.StartConsumer("destination.deliver " + _destination.Name, message.Header("traceparent"));
        using var scope = _logger.BeginScope(new Dictionary<string, object?>
        {
            ["destination"] = _destination.Name, ["delivery_id"] = held.DeliveryId, ["event_id"] = message.EventId, ["attempt"] = attempt,
        });
        var timeout = TimeSpan.FromSeconds(_destination.Definition.TimeoutSeconds);

        if (await WaitForTurnAsync(held, timeout, abort).ConfigureAwait(false) is not { } probe) return;

        var started = _time.GetTimestamp();
        CallResult result;
        try
        {
            var body = _destination.Template is { } template ? template.Render(message.Body) : Encoding.UTF8.GetBytes(message.Body);
            result = await _sender.SendAsync(_destination, held.DeliveryId, body, abort).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Rendering cannot fail on JSON it parsed, and the sender turns what HttpClient throws into outcomes;
            // this keeps a bug from leaving the limiter's slot taken or the gate waiting for a probe forever.
            result = new CallResult(CallOutcome.ClientError, null, null, $"the request could not be made: {ex.GetType().Name}: {ex.Message}");
        }
        _limiter.Finished(sent: result.Outcome != CallOutcome.SecretMissing);
        if (result.Outcome == CallOutcome.Aborted)
        {
            _gate.Abandon(probe);
            _completions.Writer.TryWrite(Completion.Release(message, TimeSpan.Zero, null));
            return;
        }
        _gate.Report(result);
        _metrics.RecordCall(_destination.Name, result.Outcome, _time.GetElapsedTime(started));
        if (result.Outcome != CallOutcome.Success) activity?.SetStatus(ActivityStatusCode.Error, result.Reason);
        Finish(held, result, attempt);
    }

    /// <summary>
    /// Waits until the gate lets this message through and the rate limiter grants a slot, for no longer than
    /// the message may be held. Returns whether the call is the gate's probe, or null when the message was
    /// put back unsent.
    /// </summary>
    private async Task<bool?> WaitForTurnAsync(Held held, TimeSpan timeout, CancellationToken abort)
    {
        while (true)
        {
            var budget = _time.GetElapsedTime(_time.GetTimestamp(), held.HoldUntil) - timeout - HoldMargin;
            if (abort.IsCancellationRequested || budget <= TimeSpan.Zero)
            {
                PutBackUnsent(held, null);
                return null;
            }
            if (!_gate.TryPass(out var probe, out var reopensAt))
            {
                var untilOpen = reopensAt is { } at ? _time.GetElapsedTime(_time.GetTimestamp(), at) : budget;
                if (untilOpen > budget)
                {
                    // Paused for longer than this message may be held: back to the queue until the gate reopens.
                    PutBackUnsent(held, untilOpen);
                    return null;
                }
                await Task.WhenAny(_gate.Changed, Task.Delay(untilOpen, _time, abort)).ConfigureAwait(false);
                continue;
            }

            using var limit = CancellationTokenSource.CreateLinkedTokenSource(abort);
            limit.CancelAfter(budget);
            try
            {
                await _limiter.AcquireAsync(limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                _gate.Abandon(probe);
                continue;
            }
            // The gate may have shut while this call waited for its slot; then it must not go out.
            if (probe || _gate.IsClosed) return probe;
            _limiter.Finished(sent: false);
        }
    }

    private void PutBackUnsent(Held held, TimeSpan? delay)
    {
        _logger.LogDebug("Delivery {DeliveryId} to {Destination} put back unsent (paused, or shutting down)", held.DeliveryId, _destination.Name);
        _completions.Writer.TryWrite(Completion.Release(held.Message, delay ?? TimeSpan.Zero, null));
    }

    /// <summary>Turns a call's outcome into the message's fate: ack (recording the delivery), retry later, or dead-letter.</summary>
    private void Finish(Held held, CallResult result, int attempt)
    {
        var message = held.Message;
        if (result.Outcome == CallOutcome.Success)
        {
            _logger.LogInformation("Delivered {DeliveryId} (event {EventId}) to {Destination}: HTTP {Status}, attempt {Attempt}",
                held.DeliveryId, message.EventId, _destination.Name, result.Status, attempt);
            _completions.Writer.TryWrite(Completion.Delivered(message, held.DeliveryId, result.Status ?? 0));
            return;
        }
        if (!result.Retryable || attempt >= Retry.MaxAttempts)
        {
            var reason = result.Retryable ? $"gave up after {attempt} attempts; last: {result.Reason}" : result.Reason;
            _logger.LogWarning("Delivery {DeliveryId} (event {EventId}) to {Destination} dead-lettered: {Outcome}, HTTP {Status}, attempt {Attempt}: {Reason}",
                held.DeliveryId, message.EventId, _destination.Name, DestinationMetrics.OutcomeName(result.Outcome), result.Status, attempt, reason);
            _metrics.RecordDeadLettered(_destination.Name);
            _completions.Writer.TryWrite(Completion.DeadLetter(message, reason));
            return;
        }
        var delay = result.RetryAfter is { } retryAfter
            ? TimeSpan.FromSeconds(Math.Min(retryAfter.TotalSeconds, 43_200))
            : Backoff.Delay(attempt, Retry.BaseDelaySeconds, Retry.MaxDelaySeconds);
        _logger.LogWarning("Delivery {DeliveryId} (event {EventId}) to {Destination} failed: {Outcome}, HTTP {Status}, attempt {Attempt} of {MaxAttempts}: {Reason}; retrying in {RetryDelaySeconds:F1} s",
            held.DeliveryId, message.EventId, _destination.Name, DestinationMetrics.OutcomeName(result.Outcome), result.Status, attempt, Retry.MaxAttempts, result.Reason, delay.TotalSeconds);
        _completions.Writer.TryWrite(Completion.Release(message, delay, $"attempt {attempt}: {result.Reason}"));
    }

    /// <summary>Writes finished messages in batches, one transaction for whatever finished meanwhile.</summary>
    private async Task CompleteLoopAsync()
    {
        var batch = new List<Completion>(256);
        var reader = _completions.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < 1024 && reader.TryRead(out var completion)) batch.Add(completion);
            try
            {
                var dlq = _queues.TryGet(_destination.Queue, out var attributes) ? attributes.DeadLetterQueue : null;
                await _store.WriteAsync(w =>
                {
                    foreach (var completion in batch) Complete(w, completion, dlq);
                    return 0;
                }).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Nothing is lost: the messages reappear after their visibility timeout, and an unrecorded
                // success is sent again with the same Idempotency-Key.
                _logger.LogError(ex, "Completing {Count} deliveries of destination {Destination} failed; they will be received again", batch.Count, _destination.Name);
            }
        }
    }

    private void Complete(StoreWriter writer, Completion completion, string? dlq)
    {
        var message = completion.Message;
        switch (completion.Kind)
        {
            case CompletionKind.Delivered:
                // The success is recorded even when the receipt went stale: the target has it, whoever holds the message now.
                writer.DestinationDeliveryInsert(_destination.Name, completion.DeliveryId!, message.EventId, completion.Status, message.ReceiveCount);
                writer.MessageDelete(message.Id, message.ReceiveCount);
                break;
            case CompletionKind.Release:
                writer.MessageChangeVisibility(message.Id, message.ReceiveCount, completion.Delay, completion.Reason);
                break;
            case CompletionKind.DeadLetter when dlq is not null:
                writer.MessageMoveToDlq(message.Id, message.ReceiveCount, dlq, completion.Reason);
                break;
            case CompletionKind.DeadLetter:
                // The queue has no DLQ (an operator removed it): keep the message and its reason, retry slowly.
                writer.MessageChangeVisibility(message.Id, message.ReceiveCount, TimeSpan.FromSeconds(Retry.MaxDelaySeconds), completion.Reason);
                break;
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * _time.TimestampFrequency);

    /// <summary>A received message, its delivery id, and the timestamp until which it is ours.</summary>
    private readonly record struct Held(QueueMessage Message, string DeliveryId, long HoldUntil);

    private enum CompletionKind { Delivered, Release, DeadLetter }

    private readonly record struct Completion(CompletionKind Kind, QueueMessage Message, string? DeliveryId, int Status, TimeSpan Delay, string? Reason)
    {
        public static Completion Delivered(QueueMessage message, string deliveryId, int status) =>
            new(CompletionKind.Delivered, message, deliveryId, status, TimeSpan.Zero, null);

        public static Completion Release(QueueMessage message, TimeSpan delay, string? reason) =>
            new(CompletionKind.Release, message, null, 0, delay, reason);

        public static Completion DeadLetter(QueueMessage message, string reason) =>
            new(CompletionKind.DeadLetter, message, null, 0, TimeSpan.Zero, reason);
    }
}
