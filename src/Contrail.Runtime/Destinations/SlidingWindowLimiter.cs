namespace Contrail.Destinations;

/// <summary>
/// Never more than <see cref="Limit"/> requests in any one-second window, at the target. A request holds a
/// slot from the moment it is allowed to start until one second after it finished (answered, failed or
/// timed out), not one second after it started: the target may count the request at any instant between
/// our send and its answer, so a window that starts at our send could let request k+N arrive less than a
/// second after request k did. Holding the slot until a second after the answer makes the guarantee hold
/// whatever the latency, at the cost of throughput N / (1 s + latency) instead of N per second.
/// <para>
/// Slot release times are appended as requests finish, so they are already in order and a queue suffices:
/// acquire is O(1). Acquirers are served one at a time in arrival order.
/// </para>
/// </summary>
internal sealed class SlidingWindowLimiter(int limit, TimeProvider time)
{
    /// <summary>One second, plus a millisecond so that two requests exactly a window apart never share a closed window.</summary>
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(1001);

    private readonly Lock _lock = new();
    private readonly Queue<long> _releases = new();
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly SemaphoreSlim _finished = new(0, 1);
    private readonly long _windowTicks = (long)(Window.TotalSeconds * time.TimestampFrequency);
    private int _inFlight;
    private int _limit = limit;

    /// <summary>Requests allowed per window; a change applies to the next acquire.</summary>
    public int Limit
    {
        get => Volatile.Read(ref _limit);
        set
        {
            Volatile.Write(ref _limit, value);
            Pulse();
        }
    }

    /// <summary>Waits for a slot. Every successful acquire must be followed by exactly one <see cref="Finished"/>.</summary>
    public async ValueTask AcquireAsync(CancellationToken ct)
    {
        await _turn.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            while (true)
            {
                TimeSpan wait;
                lock (_lock)
                {
                    var now = time.GetTimestamp();
                    while (_releases.Count > 0 && _releases.Peek() <= now) _releases.Dequeue();
                    if (_inFlight + _releases.Count < Limit)
                    {
                        _inFlight++;
                        return;
                    }
                    // Full: the earliest a slot frees is the oldest release, or, with every slot in flight, when one finishes.
                    wait = _releases.Count > 0 ? time.GetElapsedTime(now, _releases.Peek()) : Timeout.InfiniteTimeSpan;
                }
                await _finished.WaitAsync(wait, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>
    /// Ends a request. One that was <paramref name="sent"/> (even if it failed or timed out: it may have
    /// reached the target) keeps its slot for a window from now; one that was never sent frees it at once.
    /// </summary>
    public void Finished(bool sent)
    {
        lock (_lock)
        {
            _inFlight--;
            if (sent) _releases.Enqueue(time.GetTimestamp() + _windowTicks);
        }
        Pulse();
    }

    private void Pulse()
    {
        if (_finished.CurrentCount > 0) return;
        try { _finished.Release(); }
        catch (SemaphoreFullException) { }
    }
}
