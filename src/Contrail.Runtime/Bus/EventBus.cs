using System.Text;
using Contrail.Archives;
using Contrail.Events;
using Contrail.Observability;
using Contrail.Queues;
using Contrail.Storage;
using Microsoft.Extensions.Logging;

namespace Contrail.Bus;

/// <summary>
/// The event bus: matches an event against the rules and, in the caller's transaction, stores it, indexes it
/// in the archives whose pattern it matches, and hands it to every target of every matching rule. Nothing is
/// published outside a transaction, so an event is either accepted with all its deliveries or not at all.
/// </summary>
public sealed class EventBus
{
    private readonly Dictionary<string, TargetKind> _kinds;
    private readonly ArchiveRegistry _archives;
    private readonly AsyncTargetDelivery _async;
    private readonly QueueRegistry _queues;
    private readonly DeliveryCounters _counters;
    private readonly ILogger<EventBus> _logger;
    private readonly Lock _reload = new();
    private volatile RuleSet _rules = RuleSet.Empty;

    public EventBus(IEnumerable<TargetKind> kinds, ArchiveRegistry archives, AsyncTargetDelivery asyncDelivery, QueueRegistry queues,
        DeliveryCounters counters, ILogger<EventBus> logger)
    {
        _kinds = new Dictionary<string, TargetKind>(StringComparer.Ordinal);
        foreach (var kind in kinds)
            if (!_kinds.TryAdd(kind.Type, kind)) throw new InvalidOperationException($"Target kind '{kind.Type}' is registered twice");
        _archives = archives;
        _async = asyncDelivery;
        _queues = queues;
        _counters = counters;
        _logger = logger;
    }

    public RuleSet Rules => _rules;

    /// <summary>The registered target kinds by type.</summary>
    public IReadOnlyDictionary<string, TargetKind> Kinds => _kinds;

    /// <summary>
    /// Rebuilds the rule set from the store's rules and swaps it in. Call after the change committed; reloads
    /// run one at a time, so the last one to finish has read every change committed before it started.
    /// </summary>
    public void ReloadRules(Store store)
    {
        lock (_reload) _rules = RuleSet.Build(store.Read(r => r.RuleListAll()).Select(r => r.Rule), _kinds, _counters, _logger);
    }

    /// <summary>Stores the event and writes its deliveries, in <paramref name="writer"/>'s transaction.</summary>
    public PublishResult Publish(StoreWriter writer, EventEnvelope envelope) => Publish(writer, envelope, null);

    /// <summary>
    /// Stores the event and writes its deliveries; with <paramref name="onlyRules"/>, only those rules route it
    /// (a replay to chosen rules). Replayed events are not archived again.
    /// </summary>
    public PublishResult Publish(StoreWriter writer, EventEnvelope envelope, IReadOnlySet<string>? onlyRules)
    {
        var utf8 = envelope.ToUtf8Json();
        var matched = new List<RoutedRule>();
        _rules.Matcher.Match(utf8, matched);
        if (onlyRules is not null) matched.RemoveAll(r => !onlyRules.Contains(r.Rule.Name));
        var json = Encoding.UTF8.GetString(utf8);
        var names = matched.Count == 0 ? [] : matched.ConvertAll(r => r.Rule.Name);
        writer.EventInsert(envelope, json, names);
        if (envelope.ReplayName is null) _archives.Archive(writer, envelope, utf8, json);
        if (matched.Count == 0) return new PublishResult(envelope.Id, names);

        using var context = new InputContext(envelope, json, DateTimeOffset.FromUnixTimeMilliseconds(writer.NowMs));
        foreach (var routed in matched)
            foreach (var target in routed.Targets)
                Deliver(writer, new TargetDelivery(envelope, json, routed.Rule, target.Target, target.Input.Render(context, routed.Rule)), target);
        return new PublishResult(envelope.Id, names);
    }

    private void Deliver(StoreWriter writer, in TargetDelivery delivery, RoutedTarget target)
    {
        var kind = target.Kind;
        if (kind?.Invoke is not null)
        {
            _async.Enqueue(writer, delivery);
            return;
        }
        var problem = kind is null ? $"target type '{delivery.Target.Type}' is not registered in this process" : kind.Deliver!(writer, delivery);
        if (problem is null)
        {
            target.Counter.Succeeded();
            return;
        }
        target.Counter.Failed();
        if (delivery.Target.DeadLetterQueue is { } dlq)
        {
            var headers = delivery.Headers();
            headers[TargetDeadLetters.ErrorHeader] = problem;
            if (TargetDeadLetters.Send(writer, _queues, dlq, new OutgoingMessage(delivery.EventJson, headers, delivery.Event.Id)))
            {
                _logger.LogWarning("Event {EventId} for rule {Rule} target {Target} went to dead-letter queue {Queue}: {Problem}",
                    delivery.Event.Id, delivery.Rule.Name, delivery.Target.Id, dlq, problem);
                return;
            }
            problem += $"; and its dead-letter queue '{dlq}' does not exist";
        }
        _logger.LogError("Event {EventId} was not delivered to rule {Rule} target {Target}: {Problem}", delivery.Event.Id, delivery.Rule.Name, delivery.Target.Id, problem);
    }
}

/// <summary>An event accepted by the bus and the rules it matched.</summary>
public sealed record PublishResult(string EventId, IReadOnlyList<string> MatchedRules);
