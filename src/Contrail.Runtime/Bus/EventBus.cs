using System.Text;
using Contrail.Events;
using Contrail.Storage;
using Microsoft.Extensions.Logging;

namespace Contrail.Bus;

/// <summary>
/// The event bus: matches an event against the rules and, in the caller's transaction, stores it and
/// writes one delivery per matching rule target. Nothing is published outside a transaction, so an event
/// is either accepted with all its deliveries or not at all.
/// </summary>
public sealed class EventBus
{
    private readonly Dictionary<string, TargetKind> _kinds;
    private readonly ILogger<EventBus> _logger;
    private volatile RuleSet _rules = RuleSet.Empty;

    public EventBus(IEnumerable<TargetKind> kinds, ILogger<EventBus> logger)
    {
        _kinds = kinds.ToDictionary(k => k.Type, StringComparer.Ordinal);
        _logger = logger;
    }

    public RuleSet Rules => _rules;

    public IReadOnlyCollection<string> TargetTypes => _kinds.Keys;

    /// <summary>Rebuilds the rule set from the store's rules and swaps it in.</summary>
    public void ReloadRules(Store store) => _rules = RuleSet.Build(store.Read(r => r.RuleListAll()).Select(r => r.Rule));

    /// <summary>Stores the event and writes its deliveries, in <paramref name="writer"/>'s transaction.</summary>
    public PublishResult Publish(StoreWriter writer, EventEnvelope envelope)
    {
        var utf8 = envelope.ToUtf8Json();
        var matched = new List<Rule>();
        _rules.Matcher.Match(utf8, matched);
        var json = Encoding.UTF8.GetString(utf8);
        var names = matched.Count == 0 ? [] : matched.ConvertAll(r => r.Name);
        writer.EventInsert(envelope, json, names);
        foreach (var rule in matched)
            foreach (var target in rule.Targets)
            {
                if (!_kinds.TryGetValue(target.Type, out var kind))
                {
                    _logger.LogWarning("Rule {Rule} target {Target} has unknown type {Type}; event {EventId} not delivered to it", rule.Name, target.Id, target.Type, envelope.Id);
                    continue;
                }
                kind.Deliver(writer, new TargetDelivery(envelope, json, rule, target, json));
            }
        return new PublishResult(envelope.Id, names);
    }
}

/// <summary>An event accepted by the bus and the rules it matched.</summary>
public sealed record PublishResult(string EventId, IReadOnlyList<string> MatchedRules);
