using Contrail.Bus;
using Microsoft.Extensions.Logging;

namespace Contrail.Destinations;

/// <summary>
/// Rule targets of type <c>destination</c>: the event (or its transformed input) is enqueued for the named
/// destination in the transaction that accepts the event. The delivery id, and so the Idempotency-Key the
/// target sees, is <c>{event id}:{rule}:{target id}</c>: stable across retries and restarts, and distinct
/// when two rules send the same event to the same destination.
/// </summary>
public static class DestinationTargets
{
    public const string Type = "destination";

    public static TargetKind Kind(DestinationRegistry registry, ILogger logger) => new(Type, (writer, delivery) =>
    {
        var name = delivery.Target.Name;
        if (!registry.TryGet(name, out _))
        {
            logger.LogWarning("Rule {Rule} target {Target} names destination {Destination}, which does not exist; event {EventId} not delivered to it",
                delivery.Rule.Name, delivery.Target.Id, name, delivery.Event.Id);
            return;
        }
        DestinationDeliveries.Enqueue(writer, name, delivery.Input, DeliveryId(delivery.Event.Id, delivery.Rule.Name, delivery.Target.Id),
            delivery.Event.Id, delivery.Headers());
    });

    public static string DeliveryId(string eventId, string rule, string targetId) => $"{eventId}:{rule}:{targetId}";
}
