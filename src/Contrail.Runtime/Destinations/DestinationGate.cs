using Contrail.Queues;

namespace Contrail.Destinations;

/// <summary>
/// Whether a destination may be called now: a Retry-After pause and a circuit breaker in one.
/// <list type="bullet">
/// <item>Closed: calls go out (within the rate and concurrency limits).</item>
/// <item>Open until T: nothing goes out before T. A 429 or 503 with Retry-After opens it for that long; so do
/// <see cref="FailuresToOpen"/> retryable failures in a row (5xx, timeouts, network errors), for an interval
/// that doubles with each failed probe, from the retry policy's base delay up to <see cref="ProbeIntervalCap"/>.</item>
/// <item>Probing: at T one call (the probe) goes out; its success closes the gate, its failure opens it again.</item>
/// </list>
/// Without it, a target that is down for a minute would receive the full rate of doomed calls, and every
/// undelivered message would burn its attempts on them; with it, the backlog waits in the queue and is
/// delivered at full rate within a probe interval of the target's return.
/// </summary>
internal sealed class DestinationGate(TimeProvider time, double baseDelaySeconds)
{
    public const int FailuresToOpen = 5;
    public static readonly TimeSpan ProbeIntervalCap = TimeSpan.FromSeconds(5);

    private enum State { Closed, Open, Probing }

    private readonly Lock _lock = new();
    private State _state;
    private long _openUntil;
    private int _failures;
    private int _level;
    private TaskCompletionSource _changed = NewSignal();
    private double _baseDelaySeconds = baseDelaySeconds;

    public double BaseDelaySeconds
    {
        set { lock (_lock) _baseDelaySeconds = value; }
    }

    public bool IsClosed
    {
        get { lock (_lock) return _state == State.Closed; }
    }

    /// <summary>Open and its time has come: the next caller of <see cref="TryPass"/> becomes the probe.</summary>
    public bool ProbeDue
    {
        get { lock (_lock) return _state == State.Open && time.GetTimestamp() >= _openUntil; }
    }

    /// <summary>Completes when the state changes (a probe's outcome, a new pause).</summary>
    public Task Changed
    {
        get { lock (_lock) return _changed.Task; }
    }

    /// <summary>
    /// True when the caller may send now; <paramref name="probe"/> says it is the one probe of an open gate.
    /// Otherwise <paramref name="reopensAt"/> is when to try again (a timestamp), or null while a probe is out.
    /// </summary>
    public bool TryPass(out bool probe, out long? reopensAt)
    {
        lock (_lock)
        {
            probe = false;
            reopensAt = null;
            switch (_state)
            {
                case State.Closed:
                    return true;
                case State.Open when time.GetTimestamp() >= _openUntil:
                    _state = State.Probing;
                    probe = true;
                    return true;
                case State.Open:
                    reopensAt = _openUntil;
                    return false;
                default:
                    return false;
            }
        }
    }

    /// <summary>A probe that was let through but not sent (its message could not wait): let another caller probe.</summary>
    public void Abandon(bool probe)
    {
        if (!probe) return;
        lock (_lock)
        {
            if (_state != State.Probing) return;
            _state = State.Open;
            _openUntil = time.GetTimestamp();
            Signal();
        }
    }

    /// <summary>Learns from a call's outcome.</summary>
    public void Report(CallResult result)
    {
        lock (_lock)
        {
            var now = time.GetTimestamp();
            if (!result.Retryable)
            {
                // The target answered (2xx, or a 4xx about this request): it is up.
                _failures = 0;
                if (_state == State.Probing || (_state == State.Open && now >= _openUntil))
                {
                    _state = State.Closed;
                    _level = 0;
                    Signal();
                }
                return;
            }
            _failures++;
            if (result.RetryAfter is { } retryAfter)
            {
                // The target said when to come back: nobody calls before then, whatever the breaker says.
                Open(Math.Max(_state == State.Open ? _openUntil : 0, now + Ticks(retryAfter)));
                return;
            }
            if (_state == State.Probing || (_state == State.Closed && _failures >= FailuresToOpen))
            {
                _level++;
                var interval = Backoff.Delay(_level, _baseDelaySeconds, Math.Max(_baseDelaySeconds, ProbeIntervalCap.TotalSeconds));
                Open(now + Ticks(interval));
            }
        }
    }

    private void Open(long until)
    {
        _state = State.Open;
        _openUntil = until;
        Signal();
    }

    private void Signal()
    {
        var previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
