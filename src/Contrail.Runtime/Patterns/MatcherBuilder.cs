using System.Text;

namespace Contrail.Patterns;

/// <summary>
/// Collects (key, pattern) pairs and compiles them into one immutable <see cref="Matcher{TKey}"/>. Adding the same key
/// again adds another pattern for it (the key then matches when any of its patterns does). To change rules, build a
/// new matcher from the stored definitions and swap the reference: nothing is ever removed in place, so a removed
/// rule cannot leave "ghost" states behind (event-ruler issues #255, #259). Not thread-safe; the result is.
/// Cost: linear in the total size of the patterns (plus sorting), about a microsecond per simple rule.
/// </summary>
public sealed class MatcherBuilder<TKey> where TKey : notnull
{
    private readonly List<(TKey Key, CompiledPattern Pattern)> _rules = [];

    /// <summary>Adds a rule.</summary>
    public MatcherBuilder<TKey> Add(TKey key, CompiledPattern pattern)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(pattern);
        _rules.Add((key, pattern));
        return this;
    }

    /// <summary>Compiles every rule added so far into a new matcher.</summary>
    public Matcher<TKey> Build()
    {
        var keyIndex = new Dictionary<TKey, int>();
        var keys = new List<TKey>();
        var paths = new Dictionary<string, int>(StringComparer.Ordinal);
        var root = new StateBuilder();
        var stateCount = 1;

        foreach (var (key, pattern) in _rules)
        {
            if (!keyIndex.TryGetValue(key, out var rule))
            {
                rule = keys.Count;
                keyIndex[key] = rule;
                keys.Add(key);
            }
            foreach (var branch in pattern.Branches)
            {
                var state = root;
                foreach (var field in branch.Fields)
                {
                    if (!paths.TryGetValue(field.Path, out var pathId)) paths[field.Path] = pathId = paths.Count;
                    var edgeKey = (pathId, field.SetKey);
                    if (!state.Children.TryGetValue(edgeKey, out var next))
                    {
                        next = new StateBuilder { Field = field, PathId = pathId };
                        state.Children[edgeKey] = next;
                        stateCount++;
                    }
                    state = next;
                }
                if (!state.Rules.Contains(rule)) state.Rules.Add(rule);
            }
        }

        // Number states breadth-first, then freeze each with one ValueMatcher per path.
        var order = new List<StateBuilder>(stateCount) { root };
        for (var i = 0; i < order.Count; i++)
        {
            foreach (var child in order[i].Children.Values)
            {
                child.Id = order.Count;
                order.Add(child);
            }
        }

        var states = new NameState[order.Count];
        var maxTests = 0;
        foreach (var builder in order)
        {
            var edges = new List<FieldEdge>();
            foreach (var group in builder.Children.Values.GroupBy(c => c.PathId).OrderBy(g => g.Key))
            {
                var tests = new Dictionary<string, (ValuePattern Pattern, List<int> Children)>(StringComparer.Ordinal);
                var absent = new List<int>();
                foreach (var child in group)
                {
                    if (child.Field!.HasAbsent) absent.Add(child.Id);
                    foreach (var value in child.Field.Values)
                    {
                        if (value.Kind == MatchKind.Absent) continue;
                        if (!tests.TryGetValue(value.Key, out var entry)) tests[value.Key] = entry = (value, []);
                        entry.Children.Add(child.Id);
                    }
                }
                var list = tests.Values.Select(t => (t.Pattern, t.Children.ToArray())).ToList();
                maxTests = Math.Max(maxTests, list.Count);
                edges.Add(new FieldEdge(group.Key, list.Count == 0 ? null : ValueMatcher.Build(list), absent.ToArray()));
            }
            states[builder.Id] = new NameState(builder.Rules.ToArray(), edges.ToArray());
        }

        var pathTrie = new ByteTrieBuilder();
        foreach (var (path, id) in paths) pathTrie.AddEnd(Encoding.UTF8.GetBytes(path), id);
        return new Matcher<TKey>(keys.ToArray(), states, pathTrie.Build(), paths.Count, maxTests);
    }

    private sealed class StateBuilder
    {
        public int Id;
        public int PathId;
        public PatternField? Field;
        public readonly List<int> Rules = [];
        public readonly Dictionary<(int PathId, string SetKey), StateBuilder> Children = [];
    }
}
