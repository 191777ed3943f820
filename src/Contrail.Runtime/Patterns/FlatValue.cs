namespace Contrail.Patterns;

/// <summary>The JSON type of a flattened event leaf.</summary>
internal enum FlatKind : byte
{
    String,
    Number,
    True,
    False,
    Null,
}

/// <summary>
/// One leaf value of an event at a path some rule uses. Bytes (unescaped UTF-8 for strings, the raw text for
/// numbers) live in <see cref="MatchScratch.Bytes"/>; array membership (pairs of array id and element id, outermost
/// first) in <see cref="MatchScratch.Members"/>. Values are numbered in document order.
/// </summary>
internal struct FlatValue
{
    public int PathId;
    public FlatKind Kind;
    public bool IsComparable;
    public int Start;
    public int Length;
    public long Number;
    public int MemberStart;
    public int MemberCount;
    public int FoldedStart;
    public int FoldedLength;
}
