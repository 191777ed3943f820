using System.Runtime.CompilerServices;

namespace Contrail.Patterns;

/// <summary>
/// An immutable trie over bytes, the value automaton of the matcher (event-ruler's <c>ByteMachine</c>, minus the
/// nondeterminism, which wildcards handle separately). Each node carries two payload lists: <see cref="Pass"/>,
/// reported whenever a walk reaches the node (prefixes, suffixes, wildcard candidates), and <see cref="End"/>,
/// reported only when the input ends there (exact values). Transitions of all nodes live in two flat arrays,
/// sorted per node; a step is a linear scan for small fan-out and a binary search otherwise, so walking a value
/// costs O(length × log fan-out) whatever the number of values stored. Built once by <see cref="ByteTrieBuilder"/>.
/// </summary>
internal sealed class ByteTrie
{
    private readonly byte[] _keys;
    private readonly int[] _targets;
    private readonly int[] _first;
    private readonly int[] _count;

    internal ByteTrie(byte[] keys, int[] targets, int[] first, int[] count, int[]?[] pass, int[]?[] end)
    {
        _keys = keys;
        _targets = targets;
        _first = first;
        _count = count;
        Pass = pass;
        End = end;
    }

    /// <summary>Payload reported whenever a walk reaches the node; null when empty.</summary>
    public int[]?[] Pass { get; }

    /// <summary>Payload reported when the input ends at the node; null when empty.</summary>
    public int[]?[] End { get; }

    public int NodeCount => _first.Length;

    /// <summary>The node reached from <paramref name="node"/> on <paramref name="b"/>, or -1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Step(int node, byte b)
    {
        var first = _first[node];
        var count = _count[node];
        if (count <= 8)
        {
            var keys = _keys;
            for (var i = first; i < first + count; i++)
                if (keys[i] == b) return _targets[i];
            return -1;
        }
        var found = _keys.AsSpan(first, count).BinarySearch(b);
        return found >= 0 ? _targets[first + found] : -1;
    }
}
