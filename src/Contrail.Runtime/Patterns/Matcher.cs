using System.Runtime.InteropServices;
using System.Text.Json;

namespace Contrail.Patterns;

/// <summary>
/// Many compiled patterns as one immutable automaton (event-ruler's <c>GenericMachine</c> with its
/// <c>StructuredFinder</c>). Matching reads the event once (<see cref="EventFlattener"/>), then walks the states from
/// the start: at each state, each field it tests is looked up among the event's values and the value matcher
/// yields the next states. The cost grows with the size of the event and the number of rules that actually match,
/// not with the number of rules loaded. Values of one rule drawn from inside arrays of objects must come from the
/// same array element, as in event-ruler's <c>rulesForJSONEvent</c>.
/// <para>
/// Thread-safe: any number of threads may match at once. Working memory is per thread and reused, so a warm match
/// allocates nothing beyond growing the caller's list. To change the rules, build a new matcher and swap it in
/// (e.g. with <see cref="Volatile.Write{T}(ref T, T)"/>); in-flight matches finish on the old one.
/// </para>
/// </summary>
public sealed class Matcher<TKey> where TKey : notnull
{
    private readonly TKey[] _keys;
    private readonly NameState[] _states;
    private readonly ByteTrie _paths;
    private readonly int _pathCount;
    private readonly int _maxTests;

    internal Matcher(TKey[] keys, NameState[] states, ByteTrie paths, int pathCount, int maxTests)
    {
        _keys = keys;
        _states = states;
        _paths = paths;
        _pathCount = pathCount;
        _maxTests = maxTests;
    }

    /// <summary>A matcher with no rules.</summary>
    public static Matcher<TKey> Empty { get; } = new MatcherBuilder<TKey>().Build();

    /// <summary>The number of distinct keys.</summary>
    public int RuleCount => _keys.Length;

    /// <summary>Appends to <paramref name="matches"/> each key with a pattern that matches the event, once.</summary>
    public void Match(JsonElement json, List<TKey> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        if (json.ValueKind != JsonValueKind.Object || _keys.Length == 0) return;
        Run(JsonMarshal.GetRawUtf8Value(json), matches, firstOnly: false);
    }

    /// <summary>
    /// Appends to <paramref name="matches"/> each key with a pattern that matches the event, given as UTF-8 JSON.
    /// A JSON value other than an object matches nothing; malformed JSON throws <see cref="JsonException"/> and
    /// appends nothing.
    /// </summary>
    public void Match(ReadOnlySpan<byte> utf8Json, List<TKey> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        Run(utf8Json, matches, firstOnly: false);
    }

    /// <summary>Whether any rule matches the event.</summary>
    public bool IsMatch(JsonElement json) =>
        json.ValueKind == JsonValueKind.Object && _keys.Length > 0 && Run(JsonMarshal.GetRawUtf8Value(json), null, firstOnly: true) > 0;

    /// <summary>Whether any rule matches the event, given as UTF-8 JSON.</summary>
    public bool IsMatch(ReadOnlySpan<byte> utf8Json) => Run(utf8Json, null, firstOnly: true) > 0;

    private int Run(ReadOnlySpan<byte> utf8Json, List<TKey>? matches, bool firstOnly)
    {
        var scratch = MatchScratch.Rent();
        try
        {
            scratch.Prepare(_pathCount, _states.Length, _keys.Length, _maxTests);
            if (!EventFlattener.Flatten(utf8Json, _paths, scratch)) return 0;
            var walk = new Walk(this, scratch, matches, firstOnly, scratch.NextStamp());
            walk.Visit(0);
            return walk.Found;
        }
        finally
        {
            scratch.Clear();
            MatchScratch.Return(scratch);
        }
    }

    /// <summary>One traversal: depth-first over states, carrying the array memberships of the values chosen so far.</summary>
    private struct Walk(Matcher<TKey> matcher, MatchScratch scratch, List<TKey>? matches, bool firstOnly, int stamp)
    {
        public int Found;

        public void Visit(int stateId)
        {
            var state = matcher._states[stateId];
            foreach (var rule in state.Rules)
            {
                if (scratch.RuleSeen[rule] == stamp) continue;
                scratch.RuleSeen[rule] = stamp;
                matches?.Add(matcher._keys[rule]);
                Found++;
            }
            foreach (var edge in state.Edges)
            {
                if (firstOnly && Found > 0) return;
                // exists:false holds when no value at the path is compatible with the array elements chosen so
                // far (event-ruler's rule; fields are walked in path order, so this is well defined).
                var anyCompatible = false;
                var count = scratch.PathCount[edge.PathId];
                if (count > 0)
                {
                    var first = scratch.PathStart[edge.PathId];
                    if (scratch.ConstraintCount == 0)
                    {
                        anyCompatible = VisitValues(edge, first, first + count);
                    }
                    else
                    {
                        // Values compatible with the last element chosen lie inside that element's value range or
                        // outside its whole array's range (document order); two binary searches find them, so an
                        // array of N objects costs O(N log N) per field rather than O(N^2).
                        var arrayId = scratch.Constraint[scratch.ConstraintCount - 2];
                        var elementId = scratch.Constraint[scratch.ConstraintCount - 1];
                        var values = scratch.PathValues.AsSpan(first, count);
                        var arrayFrom = LowerBound(values, scratch.ArrayRange[2 * arrayId]);
                        var arrayTo = LowerBound(values, scratch.ArrayRange[2 * arrayId + 1]);
                        var elementFrom = LowerBound(values, scratch.ElementRange[2 * elementId]);
                        var elementTo = LowerBound(values, scratch.ElementRange[2 * elementId + 1]);
                        anyCompatible |= VisitValues(edge, first, first + arrayFrom);
                        anyCompatible |= VisitValues(edge, first + elementFrom, first + elementTo);
                        anyCompatible |= VisitValues(edge, first + arrayTo, first + count);
                    }
                }
                if (!anyCompatible)
                    foreach (var child in edge.AbsentChildren) VisitChild(child);
            }
        }

        /// <summary>Tests the values at positions [from, to) of PathValues; true when any was compatible.</summary>
        private bool VisitValues(FieldEdge edge, int from, int to)
        {
            var anyCompatible = false;
            for (var p = from; p < to; p++)
            {
                var v = scratch.PathValues[p];
                if (!IsCompatible(v)) continue;
                anyCompatible = true;
                if (edge.Values is null) return true;
                var start = scratch.ChildCount;
                edge.Values.Collect(ref scratch.Values[v], scratch);
                var end = scratch.ChildCount;
                if (start == end) continue;
                var constraintMark = scratch.ConstraintCount;
                PushMembership(v);
                for (var i = start; i < end; i++) VisitChild(scratch.Children[i]);
                scratch.ConstraintCount = constraintMark;
                scratch.ChildCount = start;
                if (firstOnly && Found > 0) return true;
            }
            return anyCompatible;
        }

        private static int LowerBound(ReadOnlySpan<int> sorted, int value)
        {
            var lo = 0;
            var hi = sorted.Length;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (sorted[mid] < value) lo = mid + 1;
                else hi = mid;
            }
            return lo;
        }

        private void VisitChild(int child)
        {
            if (scratch.ConstraintCount == 0)
            {
                // Without array constraints a state's outcome depends only on the event: visit it once.
                if (scratch.StateVisited[child] == stamp) return;
                scratch.StateVisited[child] = stamp;
            }
            Visit(child);
        }

        private readonly bool IsCompatible(int valueIndex)
        {
            ref var value = ref scratch.Values[valueIndex];
            if (value.MemberCount == 0 || scratch.ConstraintCount == 0) return true;
            var members = scratch.Members;
            var constraint = scratch.Constraint;
            for (var m = 0; m < value.MemberCount; m++)
            {
                var arrayId = members[value.MemberStart + 2 * m];
                var index = members[value.MemberStart + 2 * m + 1];
                for (var c = 0; c < scratch.ConstraintCount; c += 2)
                    if (constraint[c] == arrayId && constraint[c + 1] != index) return false;
            }
            return true;
        }

        private readonly void PushMembership(int valueIndex)
        {
            ref var value = ref scratch.Values[valueIndex];
            var pairs = value.MemberCount * 2;
            if (pairs == 0) return;
            if (scratch.ConstraintCount + pairs > scratch.Constraint.Length)
                Array.Resize(ref scratch.Constraint, Math.Max(scratch.Constraint.Length * 2, scratch.ConstraintCount + pairs));
            Array.Copy(scratch.Members, value.MemberStart, scratch.Constraint, scratch.ConstraintCount, pairs);
            scratch.ConstraintCount += pairs;
        }
    }
}
