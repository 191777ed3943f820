using System.Text;

namespace Contrail.Patterns;

/// <summary>
/// A wildcard value: literal parts separated by <c>*</c>, where <c>*</c> matches any run of characters (the empty
/// one included). <c>\*</c> is a literal star and <c>\\</c> a literal backslash; any other escape, and two
/// consecutive stars, are rejected as event-ruler does.
/// <para>
/// Matching is greedy leftmost search of each middle part between a fixed first part (a prefix) and a fixed last
/// part (a suffix); for globs of stars alone that is exact, and costs at most O(value length × pattern length),
/// usually one vectorised <c>IndexOf</c> per part. Every pattern is still bounded at compile time by
/// <see cref="Complexity"/> (EventBridge rejects such rules as "too complex"), so the cost any one rule can add
/// to every event stays small.
/// </para>
/// </summary>
internal sealed class Wildcard
{
    /// <summary>The largest <see cref="Complexity"/> a wildcard value may have. Chosen so that
    /// <c>*:*:*:*:*:event-bus/*</c> (13, rejected by EventBridge) fails and <c>/Users/*/dir/dir/dir/dir/dir/doc.txt</c>
    /// (8, accepted by EventBridge) passes.</summary>
    public const int MaxComplexity = 12;

    /// <summary>The largest sum of <see cref="Complexity"/> over the distinct wildcard values of one rule. Each
    /// wildcard a value reaches costs a glob test, so this bounds what one rule adds to every event.</summary>
    public const int MaxRuleComplexity = 100;

    /// <summary>The complexity error, in EventBridge's words.</summary>
    public const string TooComplexReason = "Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character";

    private readonly byte[][] _parts;

    private Wildcard(string text, byte[][] parts, int complexity)
    {
        Text = text;
        _parts = parts;
        Complexity = complexity;
    }

    /// <summary>The wildcard as written in the pattern (escapes included).</summary>
    public string Text { get; }

    /// <summary>The literal text before the first star (UTF-8); a value must start with it.</summary>
    public ReadOnlySpan<byte> LeadingLiteral => _parts[0];

    /// <summary>True when the value has no unescaped star: then it is an exact match of <see cref="LeadingLiteral"/>.</summary>
    public bool IsLiteral => _parts.Length == 1;

    /// <summary>
    /// The largest number of states a glob automaton of this value can be in at once, over all inputs (a star and
    /// the position after it count as two states, as an automaton with an empty transition for the star does).
    /// Repeated sequences after a star and many stars both raise it; matching cost for an automaton grows with it.
    /// </summary>
    public int Complexity { get; }

    /// <summary>Parses a wildcard value; null with a reason when it is malformed.</summary>
    public static Wildcard? Parse(string text, out string error)
    {
        var parts = new List<byte[]>();
        var current = new StringBuilder();
        var previousWasStar = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\\')
            {
                if (i + 1 < text.Length && (text[i + 1] == '*' || text[i + 1] == '\\'))
                {
                    current.Append(text[i + 1]);
                    i++;
                    previousWasStar = false;
                    continue;
                }
                error = $"Invalid escape character at pos {i}";
                return null;
            }
            if (c == '*')
            {
                if (previousWasStar)
                {
                    error = $"Consecutive wildcard characters at pos {i}";
                    return null;
                }
                parts.Add(Encoding.UTF8.GetBytes(current.ToString()));
                current.Clear();
                previousWasStar = true;
                continue;
            }
            current.Append(c);
            previousWasStar = false;
        }
        parts.Add(Encoding.UTF8.GetBytes(current.ToString()));
        var array = parts.ToArray();
        error = "";
        return new Wildcard(text, array, ComputeComplexity(array));
    }

    /// <summary>Whether a UTF-8 string value matches.</summary>
    public bool IsMatch(ReadOnlySpan<byte> value)
    {
        var parts = _parts;
        var first = parts[0];
        if (parts.Length == 1) return value.SequenceEqual(first);
        var last = parts[^1];
        if (value.Length < first.Length + last.Length) return false;
        if (!value.StartsWith(first) || !value.EndsWith(last)) return false;
        var position = first.Length;
        var end = value.Length - last.Length;
        for (var i = 1; i < parts.Length - 1; i++)
        {
            var part = parts[i];
            if (part.Length == 0) continue;
            var found = value[position..end].IndexOf(part);
            if (found < 0) return false;
            position += found + part.Length;
        }
        return true;
    }

    // Explores the subsets of automaton states reachable over an alphabet of the pattern's own bytes plus "any
    // other byte" and returns the largest. Subset counts are small for legal patterns; exploration stops once the
    // limit is passed, so a hostile pattern costs at most a few thousand subset steps.
    private static int ComputeComplexity(byte[][] parts)
    {
        // Tokens: literal bytes and stars, in order; state s = "matched the first s tokens".
        var tokens = new List<int>();
        for (var p = 0; p < parts.Length; p++)
        {
            if (p > 0) tokens.Add(-1);
            foreach (var b in parts[p]) tokens.Add(b);
        }
        var n = tokens.Count;
        if (n > 4096) return int.MaxValue;
        var alphabet = new HashSet<int> { 256 };
        foreach (var t in tokens) if (t >= 0) alphabet.Add(t);

        var start = Closure(new SortedSet<int> { 0 }, tokens);
        var seen = new HashSet<string> { Key(start) };
        var stack = new Stack<SortedSet<int>>();
        stack.Push(start);
        var max = start.Count;
        var explored = 0;
        while (stack.Count > 0)
        {
            var set = stack.Pop();
            foreach (var symbol in alphabet)
            {
                var next = new SortedSet<int>();
                foreach (var s in set)
                {
                    if (s >= n) continue;
                    if (tokens[s] == -1) next.Add(s);
                    else if (tokens[s] == symbol) next.Add(s + 1);
                }
                if (next.Count == 0) continue;
                next = Closure(next, tokens);
                if (!seen.Add(Key(next))) continue;
                if (next.Count > max) max = next.Count;
                if (max > MaxComplexity || ++explored > 20_000) return Math.Max(max, MaxComplexity + 1);
                stack.Push(next);
            }
        }
        return max;
    }

    private static SortedSet<int> Closure(SortedSet<int> states, List<int> tokens)
    {
        var result = new SortedSet<int>(states);
        var work = new Stack<int>(states);
        while (work.Count > 0)
        {
            var s = work.Pop();
            if (s < tokens.Count && tokens[s] == -1 && result.Add(s + 1)) work.Push(s + 1);
        }
        return result;
    }

    private static string Key(SortedSet<int> set) => string.Join(',', set);
}
