using System.Text;

namespace Contrail.Patterns;

/// <summary>
/// One value test of a pattern field, e.g. <c>{"prefix":"us-"}</c> or the literal <c>"aws.ec2"</c>. Immutable;
/// <see cref="Key"/> is a canonical text that identifies equal tests, so the matcher shares them between rules.
/// </summary>
internal sealed class ValuePattern
{
    private ValuePattern(MatchKind kind, string key)
    {
        Kind = kind;
        Key = key;
    }

    public MatchKind Kind { get; }

    /// <summary>Canonical identity, e.g. <c>prefix:"us-"</c>; equal keys mean equal tests.</summary>
    public string Key { get; }

    /// <summary>The string operand of string tests (exact, prefix, suffix, the ignore-case forms).</summary>
    public string Text { get; private init; } = "";

    /// <summary>For <see cref="MatchKind.ExactLiteral"/>: the JSON text, e.g. <c>true</c>, <c>null</c>, <c>3.0e2</c>.</summary>
    public string LiteralText { get; private init; } = "";

    /// <summary>For a number literal, its comparable value when it has one.</summary>
    public long? LiteralNumber { get; private init; }

    /// <summary>For <see cref="MatchKind.NumericRange"/>: bounds as comparable values (null when unbounded).</summary>
    public long? Low { get; private init; }
    public bool LowOpen { get; private init; }
    public long? High { get; private init; }
    public bool HighOpen { get; private init; }

    public Cidr Cidr { get; private init; }

    public Wildcard? Wildcard { get; private init; }

    /// <summary>Anything-but string operands (exact strings, prefixes, suffixes or ignore-case strings).</summary>
    public string[] Strings { get; private init; } = [];

    /// <summary>Anything-but number operands, as comparable values.</summary>
    public long[] Numbers { get; private init; } = [];

    /// <summary>Anything-but wildcard operands.</summary>
    public Wildcard[] Wildcards { get; private init; } = [];

    public static ValuePattern ExactString(string text) =>
        new(MatchKind.ExactString, "=" + Quote(text)) { Text = text };

    public static ValuePattern ExactLiteral(string literalText, long? number) =>
        new(MatchKind.ExactLiteral, "=" + literalText + (number is { } n ? "#" + ComparableNumber.ToComparableString(n) : "")) { LiteralText = literalText, LiteralNumber = number };

    public static ValuePattern Prefix(string text) => new(MatchKind.Prefix, "prefix:" + Quote(text)) { Text = text };

    public static ValuePattern PrefixIgnoreCase(string text) =>
        new(MatchKind.PrefixIgnoreCase, "prefix-ic:" + Quote(CaseFolding.Fold(text))) { Text = text };

    public static ValuePattern Suffix(string text) => new(MatchKind.Suffix, "suffix:" + Quote(text)) { Text = text };

    public static ValuePattern SuffixIgnoreCase(string text) =>
        new(MatchKind.SuffixIgnoreCase, "suffix-ic:" + Quote(CaseFolding.Fold(text))) { Text = text };

    public static ValuePattern EqualsIgnoreCase(string text) =>
        new(MatchKind.EqualsIgnoreCase, "equals-ic:" + Quote(CaseFolding.Fold(text))) { Text = text };

    public static ValuePattern WildcardMatch(Wildcard wildcard) =>
        new(MatchKind.Wildcard, "wildcard:" + Quote(wildcard.Text)) { Wildcard = wildcard };

    public static ValuePattern Range(long? low, bool lowOpen, long? high, bool highOpen) =>
        new(MatchKind.NumericRange, "numeric:" + (low is { } l ? (lowOpen ? "(" : "[") + ComparableNumber.ToComparableString(l) : "(") + "," +
            (high is { } h ? ComparableNumber.ToComparableString(h) + (highOpen ? ")" : "]") : ")"))
        { Low = low, LowOpen = lowOpen, High = high, HighOpen = highOpen };

    public static ValuePattern CidrBlock(Cidr cidr) => new(MatchKind.Cidr, "cidr:" + cidr) { Cidr = cidr };

    public static ValuePattern Exists() => new(MatchKind.Exists, "exists");

    public static ValuePattern Absent() => new(MatchKind.Absent, "absent");

    public static ValuePattern AnythingButStrings(MatchKind kind, IEnumerable<string> values)
    {
        var fold = kind == MatchKind.AnythingButIgnoreCase;
        var sorted = values.Select(v => fold ? CaseFolding.Fold(v) : v).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var name = kind switch
        {
            MatchKind.AnythingBut => "not",
            MatchKind.AnythingButPrefix => "not-prefix",
            MatchKind.AnythingButSuffix => "not-suffix",
            MatchKind.AnythingButIgnoreCase => "not-ic",
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        return new(kind, name + ":[" + string.Join(",", sorted.Select(Quote)) + "]") { Strings = sorted };
    }

    public static ValuePattern AnythingButNumbers(IEnumerable<long> values)
    {
        var sorted = values.Distinct().Order().ToArray();
        return new(MatchKind.AnythingBut, "not-number:[" + string.Join(",", sorted.Select(ComparableNumber.ToComparableString)) + "]") { Numbers = sorted };
    }

    public static ValuePattern AnythingButWildcards(IEnumerable<Wildcard> values)
    {
        var sorted = values.DistinctBy(w => w.Text).OrderBy(w => w.Text, StringComparer.Ordinal).ToArray();
        return new(MatchKind.AnythingButWildcard, "not-wildcard:[" + string.Join(",", sorted.Select(w => Quote(w.Text))) + "]") { Wildcards = sorted };
    }

    /// <summary>True for the anything-but family: they match any present value not excluded.</summary>
    public bool IsAnythingBut => Kind is MatchKind.AnythingBut or MatchKind.AnythingButPrefix or MatchKind.AnythingButSuffix
        or MatchKind.AnythingButIgnoreCase or MatchKind.AnythingButWildcard;

    public override string ToString() => Key;

    private static string Quote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (var c in s)
        {
            if (c is '"' or '\\') sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
