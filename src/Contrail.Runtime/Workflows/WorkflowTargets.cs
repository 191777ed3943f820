using System.Security.Cryptography;
using System.Text;
using Contrail.Bus;
using Contrail.Storage;
using Contrail.Workflows.Asl;
using Microsoft.Extensions.DependencyInjection;

namespace Contrail.Workflows;

/// <summary>
/// Rule targets of type <c>workflow</c>: a matching event starts an execution of the state machine the target names, in
/// the transaction that accepts the event, with the whole event (or the target's input) as the execution's input. The
/// execution's name derives from the event, the rule and the target, so an event delivered twice starts one execution.
/// </summary>
public static class WorkflowTargets
{
    public const string Type = "workflow";

    /// <summary>The target kind. The runner is resolved at the first delivery: it depends on the bus, which depends on the kinds.
    /// A delivery that cannot start one (no such state machine) goes to the target's dead-letter queue.</summary>
    public static TargetKind Kind(IServiceProvider services) => TargetKind.InTransaction(Type,
        (writer, in delivery) => Deliver(services.GetRequiredService<WorkflowRunner>(), writer, delivery),
        name => WorkflowArns.IsValidName(name) ? null : "must be a state machine name: " + WorkflowArns.NameRule);

    /// <summary>Starts (or finds) the execution for this delivery in the accepting transaction; returns why it cannot, or null.</summary>
    public static string? Deliver(WorkflowRunner runner, StoreWriter writer, in TargetDelivery delivery)
    {
        AslValue input;
        try { input = AslValue.Parse(delivery.Input); }
        catch (System.Text.Json.JsonException) { input = new AslString(delivery.Input); }
        var name = ExecutionName(delivery.Event.Id, delivery.Event.ReplayName, delivery.Rule.Name, delivery.Target.Id);
        try
        {
            runner.StartInTransaction(writer, new StartRequest(delivery.Target.Name, input, name, $"rule:{delivery.Rule.Name}/{delivery.Target.Id}"));
            return null;
        }
        catch (WorkflowStartException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>A valid execution name, the same for every delivery of one event (per replay) to one rule target.</summary>
    public static string ExecutionName(string eventId, string? replayName, string rule, string target)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\0', eventId, replayName ?? "", rule, target)));
        return "event-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }
}
