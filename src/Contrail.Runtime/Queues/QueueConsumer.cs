using System.Diagnostics;
using System.Threading.Channels;
using Contrail.Observability;
using Contrail.Storage;
using Microsoft.Extensions.Logging;

namespace Contrail.Queues;

/// <summary>Handles a message outside the store (may call the outside world); the message is acked after it returns.</summary>
public delegate ValueTask MessageHandler(QueueMessage message, CancellationToken ct);

/// <summary>Handles a message inside a write transaction that also acks it: the effect and the ack commit together, once.</summary>
public delegate void TransactionalMessageHandler(StoreWriter writer, QueueMessage message);

/// <summary>A handler bound to a queue with its concurrency. Exactly one of the two handlers is set.</summary>
public sealed record QueueConsumerRegistration(string Queue, MessageHandler? Handler, TransactionalMessageHandler? TransactionalHandler)
{
    /// <summary>Handlers running at once.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>
    /// Messages received ahead of the handlers. Their visibility timeout runs while they wait, so keep
    /// (Concurrency + Prefetch) x handling time well under the queue's visibility timeout.
    /// </summary>
    public int Prefetch { get; init; } = 8;
}

/// <summary>Thrown by a handler for a message that can never succeed: it moves to the dead-letter queue at once, with the reason.</summary>
public sealed class DeadLetterException(string reason) : Exception(reason);

/// <summary>
/// Receives from one queue and runs its handler with bounded concurrency. Receives are batched; acks
/// and retries of finished messages accumulate and are written together (one transaction for whatever
/// finished meanwhile), River's batch completer. On shutdown it stops receiving, lets running handlers
/// finish within the grace period, releases what did not finish, and flushes the last completions.
/// </summary>
internal sealed class QueueConsumer
{
    private readonly QueueConsumerRegistration _registration;
    private readonly Store _store;
    private readonly QueueRegistry _queues;
    private readonly ILogger _logger;
    private readonly TimeSpan _pollInterval;
    /// <summary>How often messages whose receives ran out while in flight are moved to the dead-letter queue.</summary>
    private static readonly TimeSpan DeadLetterSweepInterval = TimeSpan.FromSeconds(5);

    private readonly Channel<Completion> _completions = Channel.CreateUnbounded<Completion>(new UnboundedChannelOptions { SingleReader = true });

    public QueueConsumer(QueueConsumerRegistration registration, Store store, QueueRegistry queues, ILogger logger, TimeSpan pollInterval)
    {
        _registration = registration;
        _store = store;
        _queues = queues;
        _logger = logger;
        _pollInterval = pollInterval;
    }

    public Task RunAsync(CancellationToken stopping, CancellationToken abortHandlers) =>
        _registration.TransactionalHandler is not null ? RunTransactionalAsync(stopping) : RunAsyncHandlersAsync(stopping, abortHandlers);

    /// <summary>
    /// Handlers whose effects are all in the store: each batch is received, handled and acked in one
    /// transaction, each message in a savepoint so that a failing one undoes only its own effects and is
    /// retried (or dead-lettered) while the others commit. A crash commits nothing of the batch.
    /// </summary>
    private async Task RunTransactionalAsync(CancellationToken stopping)
    {
        var handler = _registration.TransactionalHandler!;
        var batchSize = _registration.Concurrency + _registration.Prefetch;
        var signal = StoreSignals.Queue(_registration.Queue);
        var nextDeadLetterSweep = 0L;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var attributes = _queues.Get(_registration.Queue);
                var sweep = Environment.TickCount64 >= nextDeadLetterSweep;
                if (sweep) nextDeadLetterSweep = Environment.TickCount64 + (long)DeadLetterSweepInterval.TotalMilliseconds;
                var handled = await _store.WriteAsync(w =>
                {
                    if (sweep) w.MessageMoveExhaustedToDlq(_registration.Queue, attributes);
                    var messages = w.MessageReceiveMany(_registration.Queue, attributes, batchSize);
                    foreach (var message in messages)
                    {
                        var error = w.InSavepoint(() =>
                        {
                            using var activity = ContrailTelemetry.StartConsumer("queue.handle " + message.Queue, message.Header("traceparent"));
                            handler(w, message);
                            w.MessageDelete(message.Id, message.ReceiveCount);
                        });
                        if (error is not null)
                        {
                            _logger.LogWarning(error, "Handling message {MessageId} (event {EventId}) from {Queue} failed (receive {ReceiveCount})",
                                message.Id, message.EventId, message.Queue, message.ReceiveCount);
                            Complete(w, new Completion(message, error, false), attributes);
                        }
                    }
                    return messages.Count;
                }, ct: stopping).ConfigureAwait(false);
                if (handled == 0) await _store.Signals.WaitAsync(signal, _pollInterval, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                _logger.LogError(ex, "Handling a batch from queue {Queue} failed; retrying", _registration.Queue);
                await Task.Delay(_pollInterval, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task RunAsyncHandlersAsync(CancellationToken stopping, CancellationToken abortHandlers)
    {
        var completer = Task.Run(CompleteLoopAsync, CancellationToken.None);
        // Messages held = received and not yet finished (waiting in the buffer or being handled).
        var capacity = _registration.Concurrency + _registration.Prefetch;
        var lowWater = Math.Max(1, capacity / 2);
        var held = 0;
        var space = new SemaphoreSlim(0);
        var buffer = Channel.CreateUnbounded<QueueMessage>(new UnboundedChannelOptions { SingleWriter = true });
        var workers = Enumerable.Range(0, _registration.Concurrency).Select(_ => Task.Run(async () =>
        {
            await foreach (var message in buffer.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                await HandleAsync(message, abortHandlers).ConfigureAwait(false);
                // Wake the receiver when enough room has freed for a worthwhile batch.
                if (capacity - Interlocked.Decrement(ref held) == lowWater) space.Release();
            }
        }, CancellationToken.None)).ToArray();

        var signal = StoreSignals.Queue(_registration.Queue);
        var nextDeadLetterSweep = 0L;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                if (Environment.TickCount64 >= nextDeadLetterSweep)
                {
                    nextDeadLetterSweep = Environment.TickCount64 + (long)DeadLetterSweepInterval.TotalMilliseconds;
                    var attributes = _queues.Get(_registration.Queue);
                    await _store.WriteAsync(w => w.MessageMoveExhaustedToDlq(_registration.Queue, attributes), ct: stopping).ConfigureAwait(false);
                }
                var free = capacity - Volatile.Read(ref held);
                if (free < lowWater)
                {
                    // Busy: receive again once half the capacity is free, so receives stay batched.
                    await space.WaitAsync(_pollInterval, stopping).ConfigureAwait(false);
                    continue;
                }
                List<QueueMessage> messages;
                try
                {
                    var attributes = _queues.Get(_registration.Queue);
                    messages = await _store.WriteAsync(w => w.MessageReceiveMany(_registration.Queue, attributes, free), ct: stopping).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    _logger.LogError(ex, "Receiving from queue {Queue} failed; retrying", _registration.Queue);
                    await Task.Delay(_pollInterval, stopping).ConfigureAwait(false);
                    continue;
                }
                if (messages.Count == 0)
                {
                    await _store.Signals.WaitAsync(signal, _pollInterval, stopping).ConfigureAwait(false);
                    continue;
                }
                Interlocked.Add(ref held, messages.Count);
                foreach (var message in messages) buffer.Writer.TryWrite(message);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }

        // Stop: messages still buffered are released at once; running handlers finish (or are aborted).
        buffer.Writer.TryComplete();
        while (buffer.Reader.TryRead(out var unstarted)) _completions.Writer.TryWrite(new Completion(unstarted, null, Release: true));
        await Task.WhenAll(workers).ConfigureAwait(false);
        _completions.Writer.TryComplete();
        await completer.ConfigureAwait(false);
    }

    private async Task HandleAsync(QueueMessage message, CancellationToken abort)
    {
        await Task.Yield();
        using var activity = ContrailTelemetry.StartConsumer("queue.handle " + message.Queue, message.Header("traceparent"));
        using var scope = _logger.BeginScope(new LogScope(new("queue", message.Queue), new("message_id", message.Id), new("event_id", message.EventId)));
        try
        {
            await _registration.Handler!(message, abort).ConfigureAwait(false);
            _completions.Writer.TryWrite(new Completion(message, null, false));
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            _completions.Writer.TryWrite(new Completion(message, null, Release: true));
        }
        catch (Exception ex)
        {
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            _logger.LogWarning(ex, "Handling message {MessageId} from {Queue} failed (receive {ReceiveCount})", message.Id, message.Queue, message.ReceiveCount);
            _completions.Writer.TryWrite(new Completion(message, ex, false));
        }
    }

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
                var attributes = _queues.Get(_registration.Queue);
                await _store.WriteAsync(w =>
                {
                    foreach (var completion in batch) Complete(w, completion, attributes);
                    return 0;
                }).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The messages stay in flight and reappear after their visibility timeout: nothing is lost.
                _logger.LogError(ex, "Completing {Count} messages of {Queue} failed; they will be received again", batch.Count, _registration.Queue);
            }
        }
    }

    private static void Complete(StoreWriter writer, Completion completion, QueueAttributes attributes)
    {
        var message = completion.Message;
        if (completion.Release)
        {
            writer.MessageChangeVisibility(message.Id, message.ReceiveCount, TimeSpan.Zero);
            return;
        }
        if (completion.Error is null)
        {
            writer.MessageDelete(message.Id, message.ReceiveCount);
            return;
        }
        var reason = completion.Error is DeadLetterException ? completion.Error.Message : $"{completion.Error.GetType().Name}: {completion.Error.Message}";
        var exhausted = completion.Error is DeadLetterException || message.ReceiveCount >= attributes.MaxReceiveCount;
        if (exhausted && attributes.DeadLetterQueue is { } dlq)
            writer.MessageMoveToDlq(message.Id, message.ReceiveCount, dlq, reason);
        else
            writer.MessageChangeVisibility(message.Id, message.ReceiveCount, Backoff.Delay(message.ReceiveCount, attributes), reason);
    }

    private readonly record struct Completion(QueueMessage Message, Exception? Error, bool Release);
}
