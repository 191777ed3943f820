using Contrail.Patterns;

namespace Contrail.Bus;

/// <summary>
/// An immutable snapshot of the rules with their patterns compiled into one matcher. Rule changes build a
/// new snapshot and swap it in; a snapshot is never edited, so matching needs no lock.
/// </summary>
public sealed class RuleSet
{
    private RuleSet(IReadOnlyDictionary<string, Rule> rules, Matcher<Rule> matcher)
    {
        Rules = rules;
        Matcher = matcher;
    }

    public static RuleSet Empty { get; } = new(new Dictionary<string, Rule>(), Matcher<Rule>.Empty);

    public IReadOnlyDictionary<string, Rule> Rules { get; }

    /// <summary>The enabled rules' patterns.</summary>
    public Matcher<Rule> Matcher { get; }

    public static RuleSet Build(IEnumerable<Rule> rules)
    {
        var byName = new Dictionary<string, Rule>(StringComparer.Ordinal);
        var builder = new MatcherBuilder<Rule>();
        foreach (var rule in rules)
        {
            byName[rule.Name] = rule;
            if (rule.State == Rule.Enabled)
                builder.Add(rule, PatternCompiler.Compile(rule.EventPattern.ToJsonString()));
        }
        return new RuleSet(byName, builder.Build());
    }
}
