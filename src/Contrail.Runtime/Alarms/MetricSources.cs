using Contrail.Bus;
using Contrail.Observability;
using Contrail.Queues;

namespace Contrail.Alarms;

/// <summary>The metric sources the runtime has: queues and rule targets.</summary>
public static class MetricSources
{
    /// <summary>
    /// <c>queue</c>: <c>depth</c> (visible messages), <c>oldest_message_age_seconds</c>, <c>dlq_depth</c>, and
    /// over the alarm's period <c>errors</c> (failed handlings) and <c>error_rate</c> (percent of handlings that failed).
    /// </summary>
    public static AlarmMetricSource Queue(DeliveryCounters counters) => new(DeliveryCounters.Queue,
        ["depth", "oldest_message_age_seconds", "dlq_depth", "errors", "error_rate"],
        query =>
        {
            if (query.Reader.QueueGet(query.Resource) is not { } queue) return null;
            switch (query.Metric)
            {
                case "depth":
                    return query.Reader.QueueStats(queue.Name).Ready;
                case "oldest_message_age_seconds":
                    return query.Reader.QueueStats(queue.Name).OldestEnqueuedAt is { } oldest ? Math.Max(0, (query.Reader.NowMs - oldest) / 1000.0) : 0;
                case "dlq_depth":
                    if (queue.Attributes.DeadLetterQueue is not { } dlq) return 0;
                    var stats = query.Reader.QueueStats(dlq);
                    return stats.Ready + stats.InFlight + stats.Delayed;
                default:
                    return Errors(counters, DeliveryCounters.Queue, query);
            }
        });

    /// <summary><c>rule_target</c> (resource <c>rule/target</c>): <c>errors</c> and <c>error_rate</c> of deliveries over the alarm's period.</summary>
    public static AlarmMetricSource RuleTarget(DeliveryCounters counters, EventBus bus) => new(DeliveryCounters.RuleTarget,
        ["errors", "error_rate"],
        query =>
        {
            var slash = query.Resource.IndexOf('/');
            if (slash < 0 || !bus.Rules.Rules.TryGetValue(query.Resource[..slash], out var rule)) return null;
            var targetId = query.Resource[(slash + 1)..];
            if (!rule.Targets.Any(t => t.Id == targetId)) return null;
            return Errors(counters, DeliveryCounters.RuleTarget, query);
        });

    /// <summary>Failures over the period, or the percentage of attempts that failed (0 when nothing was attempted).</summary>
    public static double Errors(DeliveryCounters counters, string source, MetricQuery query)
    {
        var (attempts, failures) = counters.Read(source, query.Resource, query.Period);
        return query.Metric == "error_rate" ? attempts == 0 ? 0 : 100.0 * failures / attempts : failures;
    }
}
