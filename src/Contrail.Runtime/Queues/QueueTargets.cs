using Contrail.Bus;

namespace Contrail.Queues;

/// <summary>Rule targets of type <c>queue</c>: the event (or its transformed input) becomes a message, in the accepting transaction.</summary>
public static class QueueTargets
{
    public static TargetKind Kind(QueueRegistry queues) => TargetKind.InTransaction("queue",
        (writer, in delivery) =>
        {
            if (!queues.Exists(writer, delivery.Target.Name)) return $"no queue named '{delivery.Target.Name}'";
            writer.MessageSend(delivery.Target.Name, new OutgoingMessage(delivery.Input, delivery.Headers(), delivery.Event.Id));
            return null;
        },
        name => QueueAttributes.IsValidName(name) ? null : "must be a queue name: 1-80 letters, digits, '-', '_' or '.'");
}
