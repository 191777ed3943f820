using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Contrail.Tests.Patterns;

/// <summary>
/// A deliberately naive evaluator of one (valid) pattern against one event, written from the semantics rather than
/// from the matcher's code: no tries, no shared states, decimal arithmetic for numbers, regular expressions for
/// wildcards, <see cref="IPNetwork"/> for CIDR, brute-force search over array elements. The differential tests
/// hold the compiled matcher to it.
/// </summary>
internal static class ReferenceEvaluator
{
    public static bool Matches(JsonElement pattern, JsonElement evt)
    {
        if (evt.ValueKind != JsonValueKind.Object) return false;
        var leaves = new List<Leaf>();
        Flatten(evt, "", [], leaves, directArrayElement: false);
        var branches = new List<Dictionary<string, List<JsonElement>>>();
        ParseObject(branches, pattern, "");
        foreach (var branch in branches)
        {
            var fields = branch.OrderBy(f => f.Key, StringComparer.Ordinal).ToList();
            if (Search(fields, 0, leaves, [])) return true;
        }
        return false;
    }

    private sealed record Leaf(string Path, JsonElement Value, (int Array, int Index)[] Membership);

    private static bool Search(List<KeyValuePair<string, List<JsonElement>>> fields, int i, List<Leaf> leaves, List<Leaf> chosen)
    {
        if (i == fields.Count) return true;
        var (path, tests) = (fields[i].Key, fields[i].Value);
        // Only values from the same array elements as those already chosen count, for presence and for absence.
        var atPath = leaves.Where(l => l.Path == path && chosen.All(c => Compatible(c, l))).ToList();
        if (atPath.Count == 0)
            return tests.Any(IsAbsentTest) && Search(fields, i + 1, leaves, chosen);
        foreach (var leaf in atPath)
        {
            if (!tests.Any(t => Test(t, leaf.Value))) continue;
            chosen.Add(leaf);
            var ok = Search(fields, i + 1, leaves, chosen);
            chosen.RemoveAt(chosen.Count - 1);
            if (ok) return true;
        }
        return false;
    }

    private static bool Compatible(Leaf a, Leaf b) =>
        a.Membership.All(x => b.Membership.All(y => x.Array != y.Array || x.Index == y.Index));

    private static void Flatten(JsonElement value, string path, (int, int)[] membership, List<Leaf> leaves, bool directArrayElement)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in value.EnumerateObject())
                    Flatten(p.Value, path.Length == 0 ? p.Name : path + "." + p.Name, membership, leaves, false);
                break;
            case JsonValueKind.Array:
                var id = s_arrayIds++;
                var index = 0;
                foreach (var element in value.EnumerateArray())
                    Flatten(element, path, [.. membership, (id, index++)], leaves, true);
                break;
            default:
                leaves.Add(new Leaf(path, value, directArrayElement ? membership[..^1] : membership));
                break;
        }
    }

    [ThreadStatic] private static int s_arrayIds;

    private static void ParseObject(List<Dictionary<string, List<JsonElement>>> branches, JsonElement obj, string path)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (p.Name == "$or")
            {
                var before = branches.Select(b => new Dictionary<string, List<JsonElement>>(b)).ToList();
                branches.Clear();
                foreach (var alternative in p.Value.EnumerateArray())
                {
                    var forked = before.Select(b => new Dictionary<string, List<JsonElement>>(b)).ToList();
                    if (forked.Count == 0) forked.Add([]);
                    ParseObject(forked, alternative, path);
                    branches.AddRange(forked);
                }
                continue;
            }
            var fieldPath = path.Length == 0 ? p.Name : path + "." + p.Name;
            if (p.Value.ValueKind == JsonValueKind.Object) ParseObject(branches, p.Value, fieldPath);
            else
            {
                if (branches.Count == 0) branches.Add([]);
                foreach (var b in branches) b[fieldPath] = p.Value.EnumerateArray().ToList();
            }
        }
    }

    private static bool IsAbsentTest(JsonElement test) =>
        test.ValueKind == JsonValueKind.Object && test.TryGetProperty("exists", out var e) && e.ValueKind == JsonValueKind.False;

    private static bool Test(JsonElement test, JsonElement value)
    {
        switch (test.ValueKind)
        {
            case JsonValueKind.String:
            {
                if (value.ValueKind != JsonValueKind.String) return false;
                var s = test.GetString()!;
                return value.GetString() == s || (ParseIp(s) is { } a && ParseIp(value.GetString()!) is { } b && a.Equals(b));
            }
            case JsonValueKind.Number:
                return value.ValueKind == JsonValueKind.Number &&
                    (value.GetRawText() == test.GetRawText() || (Comparable(test.GetRawText()) is { } x && Comparable(value.GetRawText()) is { } y && x == y));
            case JsonValueKind.True:
            case JsonValueKind.False:
            case JsonValueKind.Null:
                return value.ValueKind == test.ValueKind;
        }
        var op = test.EnumerateObject().First();
        var arg = op.Value;
        var isString = value.ValueKind == JsonValueKind.String;
        var text = isString ? value.GetString()! : null;
        switch (op.Name)
        {
            case "exists": return arg.ValueKind == JsonValueKind.True;
            case "prefix":
                return isString && (arg.ValueKind == JsonValueKind.String
                    ? text!.StartsWith(arg.GetString()!, StringComparison.Ordinal)
                    : Fold(text!).StartsWith(Fold(arg.GetProperty("equals-ignore-case").GetString()!), StringComparison.Ordinal));
            case "suffix":
                return isString && (arg.ValueKind == JsonValueKind.String
                    ? text!.EndsWith(arg.GetString()!, StringComparison.Ordinal)
                    : Fold(text!).EndsWith(Fold(arg.GetProperty("equals-ignore-case").GetString()!), StringComparison.Ordinal));
            case "equals-ignore-case": return isString && Fold(text!) == Fold(arg.GetString()!);
            case "wildcard": return isString && WildcardRegex(arg.GetString()!).IsMatch(text!);
            case "cidr":
                return isString && ParseIp(text!) is { } ip && IPNetwork.Parse(arg.GetString()!) is var net && net.Contains(ip);
            case "numeric":
            {
                if (value.ValueKind != JsonValueKind.Number || Comparable(value.GetRawText()) is not { } n) return false;
                var terms = arg.EnumerateArray().ToList();
                for (var i = 0; i < terms.Count; i += 2)
                {
                    var bound = Comparable(terms[i + 1].GetRawText())!.Value;
                    var ok = terms[i].GetString() switch
                    {
                        "=" => n == bound,
                        ">" => n > bound,
                        ">=" => n >= bound,
                        "<" => n < bound,
                        "<=" => n <= bound,
                        _ => throw new InvalidOperationException(),
                    };
                    if (!ok) return false;
                }
                return true;
            }
            case "anything-but":
            {
                if (arg.ValueKind == JsonValueKind.Object)
                {
                    var inner = arg.EnumerateObject().First();
                    var items = inner.Value.ValueKind == JsonValueKind.Array ? inner.Value.EnumerateArray().Select(e => e.GetString()!).ToList() : [inner.Value.GetString()!];
                    if (!isString) return true;
                    return inner.Name switch
                    {
                        "prefix" => !items.Any(p => text!.StartsWith(p, StringComparison.Ordinal)),
                        "suffix" => !items.Any(p => text!.EndsWith(p, StringComparison.Ordinal)),
                        "equals-ignore-case" => !items.Any(p => Fold(p) == Fold(text!)),
                        "wildcard" => !items.Any(p => WildcardRegex(p).IsMatch(text!)),
                        _ => throw new InvalidOperationException(),
                    };
                }
                var excluded = arg.ValueKind == JsonValueKind.Array ? arg.EnumerateArray().ToList() : [arg];
                foreach (var e in excluded)
                {
                    if (e.ValueKind == JsonValueKind.String && isString && text == e.GetString()) return false;
                    if (e.ValueKind == JsonValueKind.Number && value.ValueKind == JsonValueKind.Number
                        && Comparable(value.GetRawText()) is { } v && v == Comparable(e.GetRawText())) return false;
                }
                return true;
            }
        }
        throw new InvalidOperationException("unknown test " + op.Name);
    }

    /// <summary>The number if EventBridge can compare it: |x| ≤ 5e9 and at most six decimals.</summary>
    public static decimal? Comparable(string text)
    {
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return null;
        if (d == 0 && text.TakeWhile(c => c != 'e' && c != 'E').Any(c => c is >= '1' and <= '9')) return null; // underflowed
        if (Math.Abs(d) > 5_000_000_000m) return null;
        var scaled = d * 1_000_000m;
        return scaled == decimal.Truncate(scaled) ? d : null;
    }

    private static string Fold(string s)
    {
        var sb = new StringBuilder();
        foreach (var r in s.EnumerateRunes()) sb.Append(Rune.ToLowerInvariant(r).ToString());
        return sb.ToString();
    }

    private static Regex WildcardRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '\\') { sb.Append(Regex.Escape(pattern[++i].ToString())); continue; }
            sb.Append(pattern[i] == '*' ? ".*" : Regex.Escape(pattern[i].ToString()));
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant);
    }

    private static readonly Regex StrictIPv4 = new(@"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$");

    private static IPAddress? ParseIp(string s)
    {
        if (s.Contains(':')) return !s.Contains('%') && IPAddress.TryParse(s, out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? v6 : null;
        return StrictIPv4.IsMatch(s) ? IPAddress.Parse(s) : null;
    }
}
