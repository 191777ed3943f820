using System.Text.Json;
using System.Text.Json.Nodes;
using Contrail.Patterns;

namespace Contrail.Tests.Patterns;

/// <summary>
/// The compiled matcher against <see cref="ReferenceEvaluator"/> on seeded random rules and events: for every event
/// the matcher must return exactly the rules the naive evaluator accepts, no more (no ghosts), no fewer.
/// </summary>
public sealed class DifferentialTests
{
    [Theory]
    [InlineData(1, 300, 400)]
    [InlineData(2, 300, 400)]
    [InlineData(3, 50, 1000)]
    [InlineData(4, 1000, 200)]
    public void Compiled_matcher_returns_exactly_the_rules_the_naive_evaluator_accepts(int seed, int ruleCount, int eventCount)
    {
        var random = new RandomPatterns(seed);
        var rules = CompileRules(random, ruleCount);
        var matcher = Build(rules);
        Assert.Equal(rules.Count, matcher.RuleCount);
        var matched = 0;
        for (var e = 0; e < eventCount; e++) matched += AssertSame(matcher, rules, random.Event());
        // Guard against a generator that never makes anything match: the comparison would then prove little.
        Assert.True(matched > eventCount, $"only {matched} matches over {eventCount} events");
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void Rebuilding_without_removed_rules_leaves_no_ghosts(int seed)
    {
        var random = new RandomPatterns(seed);
        var rules = CompileRules(random, 400);
        var events = Enumerable.Range(0, 300).Select(_ => random.Event()).ToList();
        var shuffle = new Random(seed);

        var remaining = rules;
        for (var round = 0; round < 4; round++)
        {
            // Remove a random third, rebuild from what is left, and check against the naive evaluator.
            remaining = remaining.Where(_ => shuffle.Next(3) != 0).ToDictionary();
            var matcher = Build(remaining);
            foreach (var evt in events) AssertSame(matcher, remaining, evt);
        }
    }

    private static Dictionary<string, (JsonElement Json, CompiledPattern Compiled)> CompileRules(RandomPatterns random, int count)
    {
        var rules = new Dictionary<string, (JsonElement, CompiledPattern)>();
        var attempts = 0;
        while (rules.Count < count && attempts++ < count * 10)
        {
            var text = random.Pattern().ToJsonString();
            if (!PatternCompiler.TryCompile(text, out var compiled, out _)) continue; // e.g. a numeric range the generator made empty
            rules["r" + rules.Count] = (JsonDocument.Parse(text).RootElement.Clone(), compiled);
        }
        return rules;
    }

    private static Matcher<string> Build(Dictionary<string, (JsonElement Json, CompiledPattern Compiled)> rules)
    {
        var builder = new MatcherBuilder<string>();
        foreach (var (name, rule) in rules) builder.Add(name, rule.Compiled);
        return builder.Build();
    }

    private static int AssertSame(Matcher<string> matcher, Dictionary<string, (JsonElement Json, CompiledPattern Compiled)> rules, JsonObject evtNode)
    {
        var text = evtNode.ToJsonString();
        var evt = JsonDocument.Parse(text).RootElement;
        var expected = rules.Where(r => ReferenceEvaluator.Matches(r.Value.Json, evt)).Select(r => r.Key).Order().ToList();
        var actual = new List<string>();
        matcher.Match(evt, actual);
        var fromBytes = new List<string>();
        matcher.Match(System.Text.Encoding.UTF8.GetBytes(text), fromBytes);
        Assert.Equal(actual.Count, actual.Distinct().Count());
        actual.Sort(StringComparer.Ordinal);
        fromBytes.Sort(StringComparer.Ordinal);
        if (!expected.SequenceEqual(actual))
        {
            var extra = actual.Except(expected).Select(k => k + " " + rules[k].Json.GetRawText());
            var missing = expected.Except(actual).Select(k => k + " " + rules[k].Json.GetRawText());
            Assert.Fail($"event {text}\nextra: {string.Join("\n  ", extra)}\nmissing: {string.Join("\n  ", missing)}");
        }
        Assert.Equal(actual, fromBytes);
        return actual.Count;
    }
}
