using System.Collections.Concurrent;

namespace Contrail.Storage;

/// <summary>
/// Wake-up hints after commits ("queue X has messages", "the change feed grew"). Hints only: every waiter
/// also polls with a timeout, so a lost hint costs latency, never correctness. On SQLite they are raised
/// in-process after the commit; a multi-process provider raises them from database notifications.
/// </summary>
public sealed class StoreSignals
{
    public const string Changes = "changes";

    private readonly ConcurrentDictionary<string, Pulse> _pulses = new(StringComparer.Ordinal);

    public static string Queue(string name) => "queue:" + name;

    public void Notify(string topic)
    {
        if (_pulses.TryGetValue(topic, out var pulse)) pulse.Set();
    }

    /// <summary>Waits for a notification on <paramref name="topic"/> or the timeout, whichever comes first.</summary>
    public Task WaitAsync(string topic, TimeSpan timeout, CancellationToken ct) =>
        _pulses.GetOrAdd(topic, _ => new Pulse()).WaitAsync(timeout, ct);

    /// <summary>A one-bit auto-reset event: a Set with no waiter is remembered until the next wait.</summary>
    private sealed class Pulse
    {
        private readonly SemaphoreSlim _semaphore = new(0, 1);

        public void Set()
        {
            if (_semaphore.CurrentCount > 0) return;
            try { _semaphore.Release(); }
            catch (SemaphoreFullException) { }
        }

        public async Task WaitAsync(TimeSpan timeout, CancellationToken ct)
        {
            try { await _semaphore.WaitAsync(timeout, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        }
    }
}
