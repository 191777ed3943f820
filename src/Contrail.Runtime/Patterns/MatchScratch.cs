using System.Runtime.CompilerServices;

namespace Contrail.Patterns;

/// <summary>
/// Per-thread working memory for one match: the flattened event and the traversal's bookkeeping. Reused across
/// calls and matchers (one instance per thread, grown on demand, never shrunk), so a match allocates nothing once
/// warm. Visited-sets are "stamp" arrays: an entry equals the current stamp when set, so clearing is one increment.
/// </summary>
internal sealed class MatchScratch
{
    [ThreadStatic] private static MatchScratch? t_current;

    public FlatValue[] Values = new FlatValue[64];
    public int ValueCount;
    public byte[] Bytes = new byte[4096];
    public int ByteCount;
    public int[] Members = new int[64];
    public int MemberCount;

    /// <summary>Per path id: how many values the event has there, and where they start in <see cref="PathValues"/>.</summary>
    public int[] PathCount = [];
    public int[] PathStart = [];
    public int[] TouchedPaths = new int[64];
    public int TouchedCount;

    /// <summary>Value indexes grouped by path, each group in document order (filled by <see cref="GroupByPath"/>).</summary>
    public int[] PathValues = new int[64];

    /// <summary>Array nesting while flattening: pairs (array id, element id).</summary>
    public int[] ArrayStack = new int[64];
    public int ArrayDepth;
    public int NextArrayId;
    public int NextElementId;

    /// <summary>Per array id and per element id: the range [start, end) of value indexes emitted inside it.
    /// Document order makes these ranges, so the values of one element are found by binary search.</summary>
    public int[] ArrayRange = new int[64];
    public int[] ElementRange = new int[64];

    public int[] RuleSeen = [];
    public int[] StateVisited = [];
    public int[] ChildStamp = [];
    public int[] LocalMark = [];
    private int _stamp;

    /// <summary>Children found by value matchers, used as a stack by the recursive walk.</summary>
    public int[] Children = new int[64];
    public int ChildCount;

    /// <summary>Array memberships of the values chosen so far on the walk's current path.</summary>
    public int[] Constraint = new int[64];
    public int ConstraintCount;

    public static MatchScratch Rent()
    {
        var scratch = t_current ?? new MatchScratch();
        t_current = null; // a nested use on this thread (none today) gets its own instance
        return scratch;
    }

    public static void Return(MatchScratch scratch) => t_current = scratch;

    public void Prepare(int pathCount, int stateCount, int ruleCount, int localPatterns)
    {
        if (PathCount.Length < pathCount)
        {
            PathCount = new int[Math.Max(pathCount, PathCount.Length * 2)];
            PathStart = new int[PathCount.Length];
        }
        if (StateVisited.Length < stateCount)
        {
            StateVisited = new int[Math.Max(stateCount, StateVisited.Length * 2)];
            ChildStamp = new int[StateVisited.Length];
        }
        if (RuleSeen.Length < ruleCount) RuleSeen = new int[Math.Max(ruleCount, RuleSeen.Length * 2)];
        if (LocalMark.Length < localPatterns) LocalMark = new int[Math.Max(localPatterns, LocalMark.Length * 2)];
        if (_stamp > int.MaxValue / 2)
        {
            // Stamps restart only between matches: one match uses far fewer than 2^30 of them, so none can wrap
            // while a walk still relies on the ones it set.
            Array.Clear(RuleSeen);
            Array.Clear(StateVisited);
            Array.Clear(ChildStamp);
            Array.Clear(LocalMark);
            _stamp = 0;
        }
        ValueCount = 0;
        ByteCount = 0;
        MemberCount = 0;
        ArrayDepth = 0;
        NextArrayId = 0;
        NextElementId = 0;
        ChildCount = 0;
        ConstraintCount = 0;
    }

    /// <summary>Forgets the event: resets only the path counts it touched.</summary>
    public void Clear()
    {
        for (var i = 0; i < TouchedCount; i++) PathCount[TouchedPaths[i]] = 0;
        TouchedCount = 0;
    }

    /// <summary>Lays out <see cref="PathValues"/> once the event is flattened (a counting sort, O(values)).</summary>
    public void GroupByPath()
    {
        if (PathValues.Length < ValueCount) PathValues = new int[Math.Max(ValueCount, PathValues.Length * 2)];
        var offset = 0;
        for (var i = 0; i < TouchedCount; i++)
        {
            var path = TouchedPaths[i];
            PathStart[path] = offset;
            offset += PathCount[path];
        }
        // Reuse PathStart as a moving cursor, then step it back.
        for (var v = 0; v < ValueCount; v++) PathValues[PathStart[Values[v].PathId]++] = v;
        for (var i = 0; i < TouchedCount; i++)
        {
            var path = TouchedPaths[i];
            PathStart[path] -= PathCount[path];
        }
    }

    /// <summary>Records where an array or element starts (value index), growing the range table as needed.</summary>
    public static void SetRange(ref int[] ranges, int id, int start, int end)
    {
        if (2 * id + 2 > ranges.Length) Array.Resize(ref ranges, Math.Max(ranges.Length * 2, 2 * id + 2));
        ranges[2 * id] = start;
        ranges[2 * id + 1] = end;
    }

    /// <summary>A fresh stamp, different from every other since the last restart (see <see cref="Prepare"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int NextStamp() => ++_stamp;

    public Span<byte> ReserveBytes(int length)
    {
        if (ByteCount + length > Bytes.Length) Array.Resize(ref Bytes, Math.Max(Bytes.Length * 2, ByteCount + length));
        return Bytes.AsSpan(ByteCount, length);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void PushChild(int child)
    {
        if (ChildCount == Children.Length) Array.Resize(ref Children, Children.Length * 2);
        Children[ChildCount++] = child;
    }

    /// <summary>The value's bytes with each character case-folded, computed once per value.</summary>
    public ReadOnlySpan<byte> Folded(ref FlatValue value)
    {
        if (value.FoldedStart < 0)
        {
            var destination = ReserveBytes(value.Length * 2);
            var written = CaseFolding.FoldUtf8(Bytes.AsSpan(value.Start, value.Length), destination);
            value.FoldedStart = ByteCount;
            value.FoldedLength = written;
            ByteCount += written;
        }
        return Bytes.AsSpan(value.FoldedStart, value.FoldedLength);
    }
}
