using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Contrail.Observability;
using Contrail.Storage;

namespace Contrail.Destinations;

/// <summary>
/// Calls to destinations, counted two ways: as OpenTelemetry-style instruments on
/// <see cref="ContrailTelemetry.Meter"/> (<c>contrail.destination.calls</c> by destination and outcome,
/// <c>contrail.destination.call.duration</c>, <c>contrail.destination.dead_lettered</c>) for exporters, and
/// in memory per destination (totals since start and a five-minute sliding window) for the API and for
/// alarms, which need an error rate without an exporter.
/// </summary>
public sealed class DestinationMetrics
{
    /// <summary>The window over which <see cref="DestinationCallStats.ErrorRate"/> is computed.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private static readonly Counter<long> Calls = ContrailTelemetry.Meter.CreateCounter<long>(
        "contrail.destination.calls", "{call}", "HTTP calls to destinations, by destination and outcome");
    private static readonly Histogram<double> Duration = ContrailTelemetry.Meter.CreateHistogram<double>(
        "contrail.destination.call.duration", "s", "How long destination calls took, by destination and outcome");
    private static readonly Counter<long> DeadLettered = ContrailTelemetry.Meter.CreateCounter<long>(
        "contrail.destination.dead_lettered", "{delivery}", "Deliveries moved to a destination's dead-letter queue");

    /// <summary>Metric tag values, by <see cref="CallOutcome"/>.</summary>
    private static readonly string[] OutcomeNames =
        ["success", "rate_limited", "server_error", "client_error", "graphql_error", "network_error", "timeout", "secret_missing", "aborted"];

    private readonly ConcurrentDictionary<string, Counters> _counters = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly DeliveryCounters _deliveries;

    public DestinationMetrics(TimeProvider time, DeliveryCounters deliveries)
    {
        _time = time;
        _deliveries = deliveries;
    }

    public static string OutcomeName(CallOutcome outcome) => OutcomeNames[(int)outcome];

    internal void RecordCall(string destination, CallOutcome outcome, TimeSpan elapsed)
    {
        var tags = new TagList { { "destination", destination }, { "outcome", OutcomeName(outcome) } };
        Calls.Add(1, tags);
        Duration.Record(elapsed.TotalSeconds, tags);
        _counters.GetOrAdd(destination, _ => new Counters()).Add(outcome, _time.GetUtcNow().ToUnixTimeMilliseconds());
        // What error alarms read (source "destination"): an aborted call (shutdown) is neither.
        if (outcome == CallOutcome.Aborted) return;
        var counter = _deliveries.For(DestinationTargets.Type, destination);
        if (outcome == CallOutcome.Success) counter.Succeeded(); else counter.Failed();
    }

    internal void RecordDeadLettered(string destination)
    {
        DeadLettered.Add(1, new KeyValuePair<string, object?>("destination", destination));
        _counters.GetOrAdd(destination, _ => new Counters()).AddDeadLettered();
    }

    /// <summary>Calls since this process started and over the last <see cref="Window"/>.</summary>
    public DestinationCallStats Snapshot(string destination) =>
        _counters.TryGetValue(destination, out var counters)
            ? counters.Snapshot(_time.GetUtcNow().ToUnixTimeMilliseconds())
            : new DestinationCallStats(OutcomeNames.ToDictionary(n => n, _ => 0L), 0, 0, 0, null);

    /// <summary>Totals plus 60 buckets of 5 s, each stamped with the period it counts so stale ones read as empty.</summary>
    private sealed class Counters
    {
        private const long BucketMs = 5_000;
        private const int Buckets = 60;
        private readonly Lock _lock = new();
        private readonly long[] _totals = new long[OutcomeNames.Length];
        private readonly long[] _period = new long[Buckets];
        private readonly long[] _calls = new long[Buckets];
        private readonly long[] _errors = new long[Buckets];
        private long _deadLettered;

        public void Add(CallOutcome outcome, long nowMs)
        {
            var period = nowMs / BucketMs;
            var bucket = (int)(period % Buckets);
            lock (_lock)
            {
                _totals[(int)outcome]++;
                if (_period[bucket] != period)
                {
                    _period[bucket] = period;
                    _calls[bucket] = 0;
                    _errors[bucket] = 0;
                }
                _calls[bucket]++;
                if (outcome != CallOutcome.Success) _errors[bucket]++;
            }
        }

        public void AddDeadLettered() => Interlocked.Increment(ref _deadLettered);

        public DestinationCallStats Snapshot(long nowMs)
        {
            var current = nowMs / BucketMs;
            long calls = 0, errors = 0;
            var totals = new Dictionary<string, long>(OutcomeNames.Length);
            lock (_lock)
            {
                for (var i = 0; i < OutcomeNames.Length; i++) totals[OutcomeNames[i]] = _totals[i];
                for (var i = 0; i < Buckets; i++)
                {
                    if (current - _period[i] >= Buckets) continue;
                    calls += _calls[i];
                    errors += _errors[i];
                }
            }
            return new DestinationCallStats(totals, Interlocked.Read(ref _deadLettered), calls, errors, calls == 0 ? null : (double)errors / calls);
        }
    }
}

/// <summary>
/// <see cref="ByOutcome"/>: calls since this process started. <see cref="DeadLettered"/>: deliveries
/// dead-lettered since then. <see cref="RecentCalls"/>, <see cref="RecentErrors"/>, <see cref="ErrorRate"/>:
/// over the last five minutes (null rate when there were no calls).
/// </summary>
public sealed record DestinationCallStats(IReadOnlyDictionary<string, long> ByOutcome, long DeadLettered, long RecentCalls, long RecentErrors, double? ErrorRate);

/// <summary>What an alarm or an operator needs about one destination: its queue and its calls.</summary>
public sealed record DestinationHealth(long Depth, long InFlight, long Delayed, long DlqDepth, double? OldestAgeSeconds, DestinationCallStats Calls);

/// <summary>Reads <see cref="DestinationHealth"/>: queue depths from the store, calls from <see cref="DestinationMetrics"/>.</summary>
public sealed class DestinationMonitor(Store store, DestinationMetrics metrics)
{
    public DestinationHealth Health(string destination) => store.Read(r => Health(r, destination));

    public DestinationHealth Health(StoreReader reader, string destination)
    {
        var queue = DestinationDeliveries.QueueName(destination);
        var stats = reader.QueueStats(queue);
        var dlq = reader.QueueGet(queue)?.Attributes.DeadLetterQueue is { } dlqName ? reader.QueueStats(dlqName) : null;
        double? oldest = stats.OldestEnqueuedAt is { } at ? Math.Max(0, (reader.NowMs - at) / 1000.0) : null;
        return new DestinationHealth(stats.Ready, stats.InFlight, stats.Delayed,
            dlq is null ? 0 : dlq.Ready + dlq.InFlight + dlq.Delayed, oldest, metrics.Snapshot(destination));
    }
}
