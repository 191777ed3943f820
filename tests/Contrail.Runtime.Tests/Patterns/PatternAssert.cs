using System.Text.Json;
using Contrail.Patterns;

namespace Contrail.Tests.Patterns;

/// <summary>Short helpers: does a pattern match an event, checked through every entry point and the reference evaluator.</summary>
internal static class PatternAssert
{
    public static bool Matches(string pattern, string evt)
    {
        var compiled = PatternCompiler.Compile(pattern);
        using var document = JsonDocument.Parse(evt);
        var single = compiled.Matches(document.RootElement);
        Assert.Equal(single, compiled.Matches(System.Text.Encoding.UTF8.GetBytes(evt)));
        var many = new List<string>();
        new MatcherBuilder<string>().Add("rule", compiled).Build().Match(document.RootElement, many);
        Assert.Equal(single, many.Count == 1);
        using var patternDocument = JsonDocument.Parse(pattern);
        Assert.Equal(single, ReferenceEvaluator.Matches(patternDocument.RootElement, document.RootElement));
        Assert.Equal(single, PatternCompiler.Compile(compiled.Json).Matches(document.RootElement));
        return single;
    }

    public static void Match(string pattern, string evt) => Assert.True(Matches(pattern, evt), $"{pattern} should match {evt}");

    public static void NoMatch(string pattern, string evt) => Assert.False(Matches(pattern, evt), $"{pattern} should not match {evt}");

    public static InvalidPatternException Rejects(string pattern)
    {
        Assert.False(PatternCompiler.TryCompile(pattern, out _, out var error), $"{pattern} should be rejected");
        return error!;
    }
}
