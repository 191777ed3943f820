using System.Collections.Concurrent;

namespace Contrail.Observability;

/// <summary>
/// Delivery outcomes (succeeded, failed) per source and resource (a queue's handlings, a rule target's
/// deliveries, later a destination's calls) in 10-second buckets over the last hour: what error alarms read.
/// Kept in memory, so per process and reset by a restart; an alarm over a window shorter than the uptime
/// sees fewer attempts, never wrong ones.
/// </summary>
public sealed class DeliveryCounters(TimeProvider time)
{
    public const string Queue = "queue";
    public const string RuleTarget = "rule_target";

    public const int BucketSeconds = 10;

    private readonly ConcurrentDictionary<(string Source, string Resource), DeliveryCounter> _counters = new();

    /// <summary>The counter of one resource; hold on to it where outcomes are recorded often (a rule target on the accept path).</summary>
    public DeliveryCounter For(string source, string resource) => _counters.GetOrAdd((source, resource), static (_, time) => new DeliveryCounter(time), time);

    /// <summary>Attempts and failures over the last <paramref name="window"/> (at most an hour).</summary>
    public (long Attempts, long Failures) Read(string source, string resource, TimeSpan window) =>
        _counters.TryGetValue((source, resource), out var counter) ? counter.Read(window) : (0, 0);
}

/// <summary>One resource's outcomes in 10-second buckets over the last hour.</summary>
public sealed class DeliveryCounter(TimeProvider time)
{
    private const int Buckets = 3600 / DeliveryCounters.BucketSeconds + 1;

    private readonly long[] _stamps = new long[Buckets];
    private readonly long[] _attempts = new long[Buckets];
    private readonly long[] _failures = new long[Buckets];
    private readonly Lock _lock = new();

    public void Succeeded() => Add(failed: false);

    public void Failed() => Add(failed: true);

    private long Bucket() => time.GetUtcNow().ToUnixTimeSeconds() / DeliveryCounters.BucketSeconds;

    private void Add(bool failed)
    {
        var bucket = Bucket();
        var slot = (int)(bucket % Buckets);
        lock (_lock)
        {
            if (_stamps[slot] != bucket)
            {
                _stamps[slot] = bucket;
                _attempts[slot] = 0;
                _failures[slot] = 0;
            }
            _attempts[slot]++;
            if (failed) _failures[slot]++;
        }
    }

    public (long Attempts, long Failures) Read(TimeSpan window)
    {
        var buckets = (int)Math.Clamp(Math.Ceiling(window.TotalSeconds / DeliveryCounters.BucketSeconds), 1, Buckets - 1);
        var current = Bucket();
        long attempts = 0, failures = 0;
        lock (_lock)
        {
            for (var b = current - buckets + 1; b <= current; b++)
            {
                var slot = (int)(b % Buckets);
                if (_stamps[slot] != b) continue;
                attempts += _attempts[slot];
                failures += _failures[slot];
            }
        }
        return (attempts, failures);
    }
}
