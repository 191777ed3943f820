using Contrail.Events;
using Contrail.Storage;

namespace Contrail.Bus;

/// <summary>
/// Delivers in the transaction that accepts the event, so that accepting it and handing it to the target
/// commit together. Returns null, or why the target cannot take the event (no such queue); the event then
/// goes to the target's dead-letter queue.
/// </summary>
public delegate string? InTransactionDelivery(StoreWriter writer, in TargetDelivery delivery);

/// <summary>
/// Delivers outside the store (it may call the outside world). Throwing fails the attempt; it is retried
/// with backoff under the target's retry policy, then dead-lettered.
/// </summary>
public delegate ValueTask AsyncDelivery(AsyncTargetInvocation invocation, CancellationToken ct);

/// <summary>
/// One kind of rule target, registered in DI (<c>services.AddSingleton(TargetKind.Async("log", ...))</c>); a
/// rule naming an unregistered kind is refused. A kind delivers either in the accepting transaction (queue,
/// topic: effects inside the store) or asynchronously through <see cref="AsyncTargetDelivery"/>'s queue
/// (log, and later workflow or destination: effects outside it).
/// </summary>
public sealed class TargetKind
{
    private TargetKind(string type, InTransactionDelivery? deliver, AsyncDelivery? invoke, Func<string, string?>? validateName)
    {
        Type = type;
        Deliver = deliver;
        Invoke = invoke;
        ValidateName = validateName ?? DefaultNameProblem;
    }

    public string Type { get; }

    /// <summary>Set for kinds that deliver in the accepting transaction.</summary>
    public InTransactionDelivery? Deliver { get; }

    /// <summary>Set for kinds that deliver asynchronously, with retries.</summary>
    public AsyncDelivery? Invoke { get; }

    /// <summary>Checks a target's <see cref="RuleTarget.Name"/> when a rule is written: the problem, or null.</summary>
    public Func<string, string?> ValidateName { get; }

    public static TargetKind InTransaction(string type, InTransactionDelivery deliver, Func<string, string?>? validateName = null) =>
        new(type, deliver, null, validateName);

    public static TargetKind Async(string type, AsyncDelivery invoke, Func<string, string?>? validateName = null) =>
        new(type, null, invoke, validateName);

    private static string? DefaultNameProblem(string name) =>
        name.Length is > 0 and <= 256 ? null : "must be 1-256 characters";
}

/// <summary>One event on its way to one target of one rule, with the input made for that target.</summary>
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

/// <summary>One attempt to deliver to an asynchronous target.</summary>
public sealed record AsyncTargetInvocation(
    string Type,
    string Name,
    string Input,
    string? EventId,
    string Rule,
    string Target,
    int Attempt,
    IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The same for every attempt of this delivery: send it along where the receiver can deduplicate.</summary>
    public string IdempotencyKey => $"{EventId}:{Rule}:{Target}";

    public string? Traceparent => Headers.GetValueOrDefault("traceparent");
}
