using Contrail.Observability;
using Contrail.Patterns;
using Microsoft.Extensions.Logging;

namespace Contrail.Bus;

/// <summary>
/// An immutable snapshot of the rules with their patterns compiled into one matcher and their targets'
/// inputs compiled. Rule changes build a new snapshot and swap it in; a snapshot is never edited, so
/// matching needs no lock.
/// </summary>
public sealed class RuleSet
{
    private RuleSet(IReadOnlyDictionary<string, Rule> rules, Matcher<RoutedRule> matcher)
    {
        Rules = rules;
        Matcher = matcher;
    }

    public static RuleSet Empty { get; } = new(new Dictionary<string, Rule>(), Matcher<RoutedRule>.Empty);

    public IReadOnlyDictionary<string, Rule> Rules { get; }

    /// <summary>The enabled rules' patterns.</summary>
    public Matcher<RoutedRule> Matcher { get; }

    /// <summary>
    /// Builds a snapshot. Rules are validated when written; one that no longer compiles (its target kind was
    /// unregistered, say) is logged and left out rather than stopping every other rule.
    /// </summary>
    public static RuleSet Build(IEnumerable<Rule> rules, IReadOnlyDictionary<string, TargetKind> kinds, DeliveryCounters counters, ILogger? logger = null)
    {
        var byName = new Dictionary<string, Rule>(StringComparer.Ordinal);
        var builder = new MatcherBuilder<RoutedRule>();
        foreach (var rule in rules)
        {
            byName[rule.Name] = rule;
            if (rule.State != Rule.Enabled) continue;
            try
            {
                var targets = rule.Targets.Select(t => new RoutedTarget(t, kinds.GetValueOrDefault(t.Type), TargetInput.Compile(t),
                    counters.For(DeliveryCounters.RuleTarget, rule.Name + "/" + t.Id))).ToArray();
                builder.Add(new RoutedRule(rule, targets), PatternCompiler.Compile(rule.EventPattern.ToJsonString()));
            }
            catch (Exception ex) when (ex is InvalidPatternException or ArgumentException)
            {
                logger?.LogError(ex, "Rule {Rule} is not valid and routes nothing: {Reason}", rule.Name, ex.Message);
            }
        }
        return new RuleSet(byName, builder.Build());
    }
}

/// <summary>An enabled rule ready to route: its targets with their kinds and compiled inputs.</summary>
public sealed record RoutedRule(Rule Rule, IReadOnlyList<RoutedTarget> Targets);

/// <summary>
/// A target with its kind (null when that kind is not registered in this process), its compiled input, and
/// its delivery counter (resource "rule/target"), resolved once so the accept path does no lookup.
/// </summary>
public sealed record RoutedTarget(RuleTarget Target, TargetKind? Kind, TargetInput Input, DeliveryCounter Counter);
