namespace Contrail.Patterns;

/// <summary>
/// One field of a pattern branch: a dotted path (<c>detail.state</c>; event-ruler and EventBridge join nested names
/// with dots, so <c>{"a":{"b":..}}</c> and <c>{"a.b":..}</c> name the same field) and its value tests, any one of
/// which must match. Tests are sorted by key so equal fields compare equal by <see cref="SetKey"/>.
/// </summary>
internal sealed class PatternField
{
    public PatternField(string path, IEnumerable<ValuePattern> values)
    {
        Path = path;
        Values = values.DistinctBy(v => v.Key).OrderBy(v => v.Key, StringComparer.Ordinal).ToArray();
        SetKey = string.Join("\u0001", Values.Select(v => v.Key));
        HasAbsent = Values.Any(v => v.Kind == MatchKind.Absent);
    }

    public string Path { get; }

    public ValuePattern[] Values { get; }

    /// <summary>Canonical identity of the whole set of tests.</summary>
    public string SetKey { get; }

    /// <summary>Whether <c>{"exists": false}</c> is among the tests, so a missing field satisfies it.</summary>
    public bool HasAbsent { get; }
}
