using Contrail.Alarms;
using Contrail.Bus;
using Contrail.Observability;
using Contrail.Topics;

namespace Contrail.Destinations;

/// <summary>
/// Rule targets and topic subscriptions of type <c>destination</c>: the event (or its transformed input) is
/// enqueued for the named destination in the transaction that accepts it. The delivery id, and so the
/// Idempotency-Key the target sees, is <c>{event id}:{rule}:{target id}</c> for rule targets and
/// <c>{message id}:{subscription id}</c> for subscriptions: stable across retries and restarts, and distinct
/// when two rules (or subscriptions) send the same event to the same destination.
/// </summary>
public static class DestinationTargets
{
    public const string Type = "destination";

    private static string? NameProblem(string name) =>
        DestinationDefinition.IsValidName(name) ? null : $"must be a destination name: 1-{DestinationDefinition.MaxNameLength} letters, digits, '-', '_' or '.'";

    public static TargetKind Kind(DestinationRegistry registry) => TargetKind.InTransaction(Type,
        (writer, in delivery) =>
        {
            var name = delivery.Target.Name;
            if (!registry.TryGet(name, out _)) return $"no destination named '{name}'";
            DestinationDeliveries.Enqueue(writer, name, delivery.Input, DeliveryId(delivery.Event.Id, delivery.Rule.Name, delivery.Target.Id),
                delivery.Event.Id, delivery.Headers());
            return null;
        },
        NameProblem);

    public static SubscriptionProtocol Protocol(DestinationRegistry registry) => new(Type,
        (writer, in delivery) =>
        {
            var name = delivery.Subscription.Endpoint;
            if (!registry.TryGet(name, out _)) return $"no destination named '{name}'";
            DestinationDeliveries.Enqueue(writer, name, delivery.Body, $"{delivery.Message.MessageId}:{delivery.SubscriptionId}",
                delivery.Message.EventId, delivery.Headers);
            return null;
        },
        NameProblem);

    /// <summary>
    /// <c>destination</c>: <c>depth</c>, <c>oldest_message_age_seconds</c>, <c>dlq_depth</c> of its delivery
    /// queue, and over the alarm's period <c>errors</c> (failed calls) and <c>error_rate</c> (percent failed).
    /// </summary>
    public static AlarmMetricSource MetricSource(DestinationRegistry registry, DestinationMonitor monitor, DeliveryCounters counters) => new(Type,
        ["depth", "oldest_message_age_seconds", "dlq_depth", "errors", "error_rate"],
        query =>
        {
            if (!registry.TryGet(query.Resource, out _)) return null;
            switch (query.Metric)
            {
                case "errors" or "error_rate":
                    return MetricSources.Errors(counters, Type, query);
                default:
                    var health = monitor.Health(query.Reader, query.Resource);
                    return query.Metric switch
                    {
                        "depth" => health.Depth,
                        "dlq_depth" => health.DlqDepth,
                        _ => health.OldestAgeSeconds ?? 0,
                    };
            }
        });

    public static string DeliveryId(string eventId, string rule, string targetId) => $"{eventId}:{rule}:{targetId}";
}
