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

    /// <summary>The longest window that can be read.</summary>
    public static readonly TimeSpan MaxWindow = TimeSpan.FromHours(1);

    private const int Buckets = 3600 / BucketSeconds + 1;

    private readonly ConcurrentDictionary<(string Source, string Resource), Series> _series = new();

    public void Succeeded(string source, string resource) => Record(source, resource, failed: false);

    public void Failed(string source, string resource) => Record(source, resource, failed: true);

    private void Record(string source, string resource, bool failed) =>
        _series.GetOrAdd((source, resource), static _ => new Series()).Add(Bucket(), failed);

    /// <summary>Attempts and failures over the last <paramref name="window"/> (at most an hour).</summary>
    public (long Attempts, long Failures) Read(string source, string resource, TimeSpan window)
    {
        if (!_series.TryGetValue((source, resource), out var series)) return (0, 0);
        var buckets = (int)Math.Clamp(Math.Ceiling(window.TotalSeconds / BucketSeconds), 1, Buckets - 1);
        return series.Sum(Bucket(), buckets);
    }

    private long Bucket() => time.GetUtcNow().ToUnixTimeSeconds() / BucketSeconds;

    private sealed class Series
    {
        private readonly long[] _stamps = new long[Buckets];
        private readonly long[] _attempts = new long[Buckets];
        private readonly long[] _failures = new long[Buckets];

        public void Add(long bucket, bool failed)
        {
            var slot = (int)(bucket % Buckets);
            lock (this)
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

        public (long, long) Sum(long current, int buckets)
        {
            long attempts = 0, failures = 0;
            lock (this)
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
}
