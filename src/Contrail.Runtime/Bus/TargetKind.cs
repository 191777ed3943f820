using Contrail.Events;
using Contrail.Storage;

namespace Contrail.Bus;

/// <summary>
/// One kind of rule target (queue, topic, workflow, destination, log): how a delivery is written, inside
/// the transaction that accepts the event, so that accepting an event and handing it to every target
/// commit together.
/// </summary>
public sealed record TargetKind(string Type, Action<StoreWriter, TargetDelivery> Deliver);

/// <summary>One event on its way to one target of one rule.</summary>
public readonly record struct TargetDelivery(EventEnvelope Event, string EventJson, Rule Rule, RuleTarget Target, string Input)
{
    /// <summary>Headers that follow the event into the target's queue: trace, rule and target.</summary>
    public Dictionary<string, string> Headers()
    {
        var headers = new Dictionary<string, string>(3) { ["rule"] = Rule.Name, ["target"] = Target.Id };
        if (Event.Traceparent is { } traceparent) headers["traceparent"] = traceparent;
        return headers;
    }
}
