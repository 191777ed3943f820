using System.Text;
using System.Text.Json;

namespace Contrail.Patterns;

/// <summary>
/// A validated, immutable event pattern: its <c>$or</c> alternatives expanded into branches of dotted-path fields.
/// Build many into one <see cref="Matcher{TKey}"/> with <see cref="MatcherBuilder{TKey}"/>; <see cref="Matches"/> is a
/// convenience for one pattern (test-pattern calls, filter policies), backed by a one-rule matcher built on first use.
/// Thread-safe.
/// </summary>
public sealed class CompiledPattern
{
    private Matcher<int>? _single;

    internal CompiledPattern(PatternBranch[] branches)
    {
        Branches = branches;
        Json = Canonicalize(branches);
    }

    /// <summary>
    /// Canonical text: every nested name joined into a dotted path, fields sorted, value tests sorted and deduplicated,
    /// numbers in plain decimal, several branches under one top-level <c>$or</c>. Compiling it gives an equivalent
    /// pattern, and equivalent patterns written differently usually share it.
    /// </summary>
    public string Json { get; }

    internal PatternBranch[] Branches { get; }

    /// <summary>Whether the pattern matches a JSON object (any other JSON value matches nothing).</summary>
    public bool Matches(JsonElement json)
    {
        var matcher = _single;
        if (matcher is null)
        {
            matcher = new MatcherBuilder<int>().Add(0, this).Build();
            Interlocked.CompareExchange(ref _single, matcher, null);
        }
        return matcher.IsMatch(json);
    }

    /// <summary>Whether the pattern matches a JSON object given as UTF-8 text.</summary>
    public bool Matches(ReadOnlySpan<byte> utf8Json)
    {
        var matcher = _single;
        if (matcher is null)
        {
            matcher = new MatcherBuilder<int>().Add(0, this).Build();
            Interlocked.CompareExchange(ref _single, matcher, null);
        }
        return matcher.IsMatch(utf8Json);
    }

    public override string ToString() => Json;

    private static string Canonicalize(PatternBranch[] branches)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            if (branches.Length == 1)
            {
                WriteBranch(writer, branches[0]);
            }
            else
            {
                writer.WriteStartObject();
                writer.WriteStartArray("$or");
                foreach (var branch in branches) WriteBranch(writer, branch);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
        }
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteBranch(Utf8JsonWriter writer, PatternBranch branch)
    {
        writer.WriteStartObject();
        foreach (var field in branch.Fields)
        {
            writer.WriteStartArray(field.Path);
            foreach (var value in field.Values) WriteValue(writer, value);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter writer, ValuePattern value)
    {
        switch (value.Kind)
        {
            case MatchKind.ExactString: writer.WriteStringValue(value.Text); return;
            case MatchKind.ExactLiteral: writer.WriteRawValue(value.LiteralText); return;
            case MatchKind.Exists:
            case MatchKind.Absent:
                writer.WriteStartObject();
                writer.WriteBoolean("exists", value.Kind == MatchKind.Exists);
                writer.WriteEndObject();
                return;
        }
        writer.WriteStartObject();
        switch (value.Kind)
        {
            case MatchKind.Prefix: writer.WriteString("prefix", value.Text); break;
            case MatchKind.Suffix: writer.WriteString("suffix", value.Text); break;
            case MatchKind.EqualsIgnoreCase: writer.WriteString("equals-ignore-case", value.Text); break;
            case MatchKind.PrefixIgnoreCase:
            case MatchKind.SuffixIgnoreCase:
                writer.WriteStartObject(value.Kind == MatchKind.PrefixIgnoreCase ? "prefix" : "suffix");
                writer.WriteString("equals-ignore-case", value.Text);
                writer.WriteEndObject();
                break;
            case MatchKind.Wildcard: writer.WriteString("wildcard", value.Wildcard!.Text); break;
            case MatchKind.Cidr: writer.WriteString("cidr", value.Cidr.ToString()); break;
            case MatchKind.NumericRange:
                writer.WriteStartArray("numeric");
                if (value.Low == value.High && value.Low is { } equal && !value.LowOpen && !value.HighOpen)
                {
                    writer.WriteStringValue("=");
                    writer.WriteRawValue(ComparableNumber.ToDecimalString(equal));
                }
                else
                {
                    if (value.Low is { } low)
                    {
                        writer.WriteStringValue(value.LowOpen ? ">" : ">=");
                        writer.WriteRawValue(ComparableNumber.ToDecimalString(low));
                    }
                    if (value.High is { } high)
                    {
                        writer.WriteStringValue(value.HighOpen ? "<" : "<=");
                        writer.WriteRawValue(ComparableNumber.ToDecimalString(high));
                    }
                }
                writer.WriteEndArray();
                break;
            case MatchKind.AnythingBut when value.Numbers.Length > 0:
                writer.WriteStartArray("anything-but");
                foreach (var n in value.Numbers) writer.WriteRawValue(ComparableNumber.ToDecimalString(n));
                writer.WriteEndArray();
                break;
            case MatchKind.AnythingBut:
                writer.WriteStartArray("anything-but");
                foreach (var s in value.Strings) writer.WriteStringValue(s);
                writer.WriteEndArray();
                break;
            case MatchKind.AnythingButPrefix:
            case MatchKind.AnythingButSuffix:
            case MatchKind.AnythingButIgnoreCase:
            case MatchKind.AnythingButWildcard:
                writer.WriteStartObject("anything-but");
                writer.WriteStartArray(value.Kind switch
                {
                    MatchKind.AnythingButPrefix => "prefix",
                    MatchKind.AnythingButSuffix => "suffix",
                    MatchKind.AnythingButIgnoreCase => "equals-ignore-case",
                    _ => "wildcard",
                });
                if (value.Kind == MatchKind.AnythingButWildcard)
                    foreach (var w in value.Wildcards) writer.WriteStringValue(w.Text);
                else
                    foreach (var s in value.Strings) writer.WriteStringValue(s);
                writer.WriteEndArray();
                writer.WriteEndObject();
                break;
        }
        writer.WriteEndObject();
    }
}
