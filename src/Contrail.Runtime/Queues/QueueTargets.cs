using Contrail.Bus;

namespace Contrail.Queues;

/// <summary>Rule targets of type <c>queue</c>: the event (or its transformed input) becomes a message.</summary>
public static class QueueTargets
{
    public static TargetKind Kind { get; } = new("queue", static (writer, delivery) =>
        writer.MessageSend(delivery.Target.Name, new OutgoingMessage(delivery.Input, delivery.Headers(), delivery.Event.Id)));
}
