namespace Contrail.Patterns;

/// <summary>Collects keys and payloads, then freezes them into a <see cref="ByteTrie"/>. Build-time only.</summary>
internal sealed class ByteTrieBuilder
{
    private readonly List<SortedDictionary<byte, int>> _edges = [new()];
    private readonly List<List<int>?> _pass = [null];
    private readonly List<List<int>?> _end = [null];

    public bool IsEmpty => _edges.Count == 1 && _pass[0] is null && _end[0] is null;

    /// <summary>Adds the key's path and returns its last node.</summary>
    public int Insert(ReadOnlySpan<byte> key)
    {
        var node = 0;
        foreach (var b in key)
        {
            if (!_edges[node].TryGetValue(b, out var next))
            {
                next = _edges.Count;
                _edges.Add(new SortedDictionary<byte, int>());
                _pass.Add(null);
                _end.Add(null);
                _edges[node][b] = next;
            }
            node = next;
        }
        return node;
    }

    public void AddPass(ReadOnlySpan<byte> key, int entry) => (_pass[Insert(key)] ??= []).Add(entry);

    public void AddEnd(ReadOnlySpan<byte> key, int entry) => (_end[Insert(key)] ??= []).Add(entry);

    public ByteTrie Build()
    {
        var nodeCount = _edges.Count;
        var total = 0;
        foreach (var e in _edges) total += e.Count;
        var keys = new byte[total];
        var targets = new int[total];
        var first = new int[nodeCount];
        var count = new int[nodeCount];
        var pass = new int[]?[nodeCount];
        var end = new int[]?[nodeCount];
        var at = 0;
        for (var n = 0; n < nodeCount; n++)
        {
            first[n] = at;
            count[n] = _edges[n].Count;
            foreach (var (b, target) in _edges[n])
            {
                keys[at] = b;
                targets[at] = target;
                at++;
            }
            pass[n] = _pass[n]?.Distinct().ToArray();
            end[n] = _end[n]?.Distinct().ToArray();
        }
        return new ByteTrie(keys, targets, first, count, pass, end);
    }
}
