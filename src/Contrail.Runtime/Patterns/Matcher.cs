using System.Text.Json;

namespace Contrail.Patterns;

/// <summary>All rules' patterns in one immutable structure (interim: tries each pattern in turn).</summary>
public sealed class Matcher<TKey> where TKey : notnull
{
    private readonly (TKey Key, CompiledPattern Pattern)[] _rules;

    internal Matcher((TKey, CompiledPattern)[] rules) => _rules = rules;

    public static Matcher<TKey> Empty { get; } = new([]);

    public int RuleCount => _rules.Length;

    public void Match(JsonElement json, List<TKey> matches)
    {
        foreach (var (key, pattern) in _rules)
            if (pattern.Matches(json) && !matches.Contains(key)) matches.Add(key);
    }

    public void Match(ReadOnlySpan<byte> utf8Json, List<TKey> matches)
    {
        var reader = new Utf8JsonReader(utf8Json);
        using var document = JsonDocument.ParseValue(ref reader);
        Match(document.RootElement, matches);
    }
}

public sealed class MatcherBuilder<TKey> where TKey : notnull
{
    private readonly List<(TKey, CompiledPattern)> _rules = [];

    public MatcherBuilder<TKey> Add(TKey key, CompiledPattern pattern)
    {
        _rules.Add((key, pattern));
        return this;
    }

    public Matcher<TKey> Build() => new([.. _rules]);
}
