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

    /// <summary>First value index per path id, -1 when the event has none.</summary>
    public int[] PathHead = [];
    public int[] TouchedPaths = new int[64];
    public int TouchedCount;

    /// <summary>Array nesting while flattening: pairs (array id, element index).</summary>
    public int[] ArrayStack = new int[64];
    public int ArrayDepth;
    public int NextArrayId;

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
        if (PathHead.Length < pathCount)
        {
            PathHead = new int[Math.Max(pathCount, PathHead.Length * 2)];
            Array.Fill(PathHead, -1);
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
        ChildCount = 0;
        ConstraintCount = 0;
    }

    /// <summary>Forgets the event: resets only the path heads it touched.</summary>
    public void Clear()
    {
        for (var i = 0; i < TouchedCount; i++) PathHead[TouchedPaths[i]] = -1;
        TouchedCount = 0;
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
