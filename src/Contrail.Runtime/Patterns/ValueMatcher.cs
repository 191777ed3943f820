using System.Text;

namespace Contrail.Patterns;

/// <summary>
/// Everything one matcher state tests on one field: the union of the value tests of every rule that continues
/// through this state on this path, each mapped to the next states it leads to. A value is tested against all of
/// them at once: strings walk a trie of exact values and prefixes (wildcards hang off the trie at their literal
/// prefix and are checked only when a value gets there), a trie of reversed suffixes, and the same two tries
/// case-folded; numbers look up equality in a hash table and test ranges; IP strings test CIDR blocks.
/// Anything-but tests start as matches and are struck off when a walk reaches one of their excluded values
/// (event-ruler's approach: filling every "other" transition instead would cost memory per excluded byte).
/// Cost per value: O(length) for the tries plus O(number of ranges, CIDR blocks, wildcard candidates and
/// anything-but tests), independent of how many exact, prefix or suffix values are stored.
/// </summary>
internal sealed class ValueMatcher
{
    // Trie payload entries: the low 28 bits are an index, the top bits say what a hit means.
    private const int Hit = 0;                  // index is a pattern id: it matched
    private const int Fail = 1 << 28;           // index is an anything-but pattern id: it did not match
    private const int CheckWildcard = 2 << 28;  // index is a wildcard entry: test the glob, then hit or fail
    private const int ActionMask = 3 << 28;
    private const int IndexMask = (1 << 28) - 1;

    private readonly int[][] _children;
    private readonly ByteTrie? _strings;
    private readonly ByteTrie? _suffixes;
    private readonly ByteTrie? _folded;
    private readonly ByteTrie? _foldedSuffixes;
    private readonly ByteTrie? _literals;
    private readonly Dictionary<long, int[]>? _numberHits;
    private readonly Dictionary<long, int[]>? _numberFails;
    private readonly NumericRangeEntry[] _ranges;
    private readonly CidrEntry[] _cidrs;
    private readonly WildcardEntry[] _wildcards;
    private readonly int[] _exists;
    private readonly int[] _anythingButs;

    private ValueMatcher(int[][] children, ByteTrie? strings, ByteTrie? suffixes, ByteTrie? folded, ByteTrie? foldedSuffixes,
        ByteTrie? literals, Dictionary<long, int[]>? numberHits, Dictionary<long, int[]>? numberFails, NumericRangeEntry[] ranges,
        CidrEntry[] cidrs, WildcardEntry[] wildcards, int[] exists, int[] anythingButs)
    {
        _children = children;
        _strings = strings;
        _suffixes = suffixes;
        _folded = folded;
        _foldedSuffixes = foldedSuffixes;
        _literals = literals;
        _numberHits = numberHits;
        _numberFails = numberFails;
        _ranges = ranges;
        _cidrs = cidrs;
        _wildcards = wildcards;
        _exists = exists;
        _anythingButs = anythingButs;
    }

    /// <summary>How many distinct tests this matcher holds (sizes <see cref="MatchScratch.LocalMark"/>).</summary>
    public int PatternCount => _children.Length;

    /// <summary>Builds from distinct tests, each with the next states it leads to. Absent tests are excluded by the caller.</summary>
    public static ValueMatcher Build(IReadOnlyList<(ValuePattern Pattern, int[] Children)> tests)
    {
        var children = new int[tests.Count][];
        var strings = new ByteTrieBuilder();
        var suffixes = new ByteTrieBuilder();
        var folded = new ByteTrieBuilder();
        var foldedSuffixes = new ByteTrieBuilder();
        var literals = new ByteTrieBuilder();
        var numberHits = new Dictionary<long, List<int>>();
        var numberFails = new Dictionary<long, List<int>>();
        var ranges = new List<NumericRangeEntry>();
        var cidrs = new List<CidrEntry>();
        var wildcards = new List<WildcardEntry>();
        var exists = new List<int>();
        var anythingButs = new List<int>();

        for (var id = 0; id < tests.Count; id++)
        {
            var (pattern, next) = tests[id];
            children[id] = next;
            switch (pattern.Kind)
            {
                case MatchKind.ExactString:
                    strings.AddEnd(Utf8(pattern.Text), Hit | id);
                    // event-ruler turns an exact value that is an IP address into a one-address range.
                    if (Cidr.TryParseSingleAddress(pattern.Text, out var single)) cidrs.Add(new CidrEntry(single, id));
                    break;
                case MatchKind.ExactLiteral:
                    literals.AddEnd(LiteralKey(pattern.LiteralText), Hit | id);
                    if (pattern.LiteralNumber is { } number) Add(numberHits, number, id);
                    break;
                case MatchKind.Prefix: strings.AddPass(Utf8(pattern.Text), Hit | id); break;
                case MatchKind.Suffix: suffixes.AddPass(Reversed(Utf8(pattern.Text)), Hit | id); break;
                case MatchKind.EqualsIgnoreCase: folded.AddEnd(Utf8(CaseFolding.Fold(pattern.Text)), Hit | id); break;
                case MatchKind.PrefixIgnoreCase: folded.AddPass(Utf8(CaseFolding.Fold(pattern.Text)), Hit | id); break;
                case MatchKind.SuffixIgnoreCase: foldedSuffixes.AddPass(Reversed(Utf8(CaseFolding.Fold(pattern.Text))), Hit | id); break;
                case MatchKind.Wildcard:
                    AddWildcard(strings, wildcards, pattern.Wildcard!, id, negate: false);
                    break;
                case MatchKind.NumericRange:
                    if (pattern.Low is { } low && pattern.Low == pattern.High && !pattern.LowOpen && !pattern.HighOpen) Add(numberHits, low, id);
                    else ranges.Add(new NumericRangeEntry(pattern.Low ?? long.MinValue, pattern.LowOpen, pattern.High ?? long.MaxValue, pattern.HighOpen, id));
                    break;
                case MatchKind.Cidr: cidrs.Add(new CidrEntry(pattern.Cidr, id)); break;
                case MatchKind.Exists: exists.Add(id); break;
                case MatchKind.AnythingBut:
                    anythingButs.Add(id);
                    foreach (var s in pattern.Strings) strings.AddEnd(Utf8(s), Fail | id);
                    foreach (var n in pattern.Numbers) Add(numberFails, n, id);
                    break;
                case MatchKind.AnythingButPrefix:
                    anythingButs.Add(id);
                    foreach (var s in pattern.Strings) strings.AddPass(Utf8(s), Fail | id);
                    break;
                case MatchKind.AnythingButSuffix:
                    anythingButs.Add(id);
                    foreach (var s in pattern.Strings) suffixes.AddPass(Reversed(Utf8(s)), Fail | id);
                    break;
                case MatchKind.AnythingButIgnoreCase:
                    anythingButs.Add(id);
                    foreach (var s in pattern.Strings) folded.AddEnd(Utf8(s), Fail | id); // already folded
                    break;
                case MatchKind.AnythingButWildcard:
                    anythingButs.Add(id);
                    foreach (var w in pattern.Wildcards) AddWildcard(strings, wildcards, w, id, negate: true);
                    break;
                default:
                    throw new InvalidOperationException($"{pattern.Kind} is not a value test");
            }
        }

        return new ValueMatcher(children,
            strings.IsEmpty ? null : strings.Build(),
            suffixes.IsEmpty ? null : suffixes.Build(),
            folded.IsEmpty ? null : folded.Build(),
            foldedSuffixes.IsEmpty ? null : foldedSuffixes.Build(),
            literals.IsEmpty ? null : literals.Build(),
            numberHits.Count == 0 ? null : numberHits.ToDictionary(p => p.Key, p => p.Value.Distinct().ToArray()),
            numberFails.Count == 0 ? null : numberFails.ToDictionary(p => p.Key, p => p.Value.Distinct().ToArray()),
            ranges.ToArray(), cidrs.ToArray(), wildcards.ToArray(), exists.ToArray(), anythingButs.ToArray());
    }

    /// <summary>Pushes onto <see cref="MatchScratch.Children"/> each next state (once) of every test the value passes.</summary>
    public void Collect(ref FlatValue value, MatchScratch scratch)
    {
        var mark = scratch.NextStamp();   // anything-but failures, per test id
        var dedupe = scratch.NextStamp(); // next states already pushed
        switch (value.Kind)
        {
            case FlatKind.String:
            {
                var bytes = scratch.Bytes.AsSpan(value.Start, value.Length);
                if (_strings is not null) WalkForward(_strings, bytes, bytes, scratch, mark, dedupe);
                if (_suffixes is not null) WalkBackward(_suffixes, bytes, scratch, mark, dedupe);
                if (_folded is not null || _foldedSuffixes is not null)
                {
                    var folded = scratch.Folded(ref value);
                    bytes = scratch.Bytes.AsSpan(value.Start, value.Length);
                    if (_folded is not null) WalkForward(_folded, folded, bytes, scratch, mark, dedupe);
                    if (_foldedSuffixes is not null) WalkBackward(_foldedSuffixes, folded, scratch, mark, dedupe);
                }
                if (_cidrs.Length > 0 && Cidr.TryParseAddress(bytes, out var isV6, out var address))
                {
                    foreach (var entry in _cidrs)
                        if (entry.Block.Contains(isV6, address)) Emit(entry.Id, scratch, dedupe);
                }
                break;
            }
            case FlatKind.Number:
            {
                if (_literals is not null)
                {
                    var node = _literals.Step(0, (byte)'n');
                    var text = scratch.Bytes.AsSpan(value.Start, value.Length);
                    for (var i = 0; node >= 0 && i < text.Length; i++) node = _literals.Step(node, text[i]);
                    if (node >= 0) Apply(_literals.End[node], default, scratch, mark, dedupe);
                }
                if (value.IsComparable)
                {
                    var n = value.Number;
                    if (_numberHits is not null && _numberHits.TryGetValue(n, out var hits))
                        foreach (var id in hits) Emit(id, scratch, dedupe);
                    if (_numberFails is not null && _numberFails.TryGetValue(n, out var fails))
                        foreach (var id in fails) scratch.LocalMark[id] = mark;
                    foreach (var range in _ranges)
                    {
                        if ((range.LowOpen ? n > range.Low : n >= range.Low) && (range.HighOpen ? n < range.High : n <= range.High))
                            Emit(range.Id, scratch, dedupe);
                    }
                }
                break;
            }
            default:
            {
                if (_literals is not null)
                {
                    var node = _literals.Step(0, value.Kind switch { FlatKind.True => (byte)'t', FlatKind.False => (byte)'f', _ => (byte)'0' });
                    if (node >= 0) Apply(_literals.End[node], default, scratch, mark, dedupe);
                }
                break;
            }
        }

        foreach (var id in _exists) Emit(id, scratch, dedupe);
        foreach (var id in _anythingButs)
            if (scratch.LocalMark[id] != mark) Emit(id, scratch, dedupe);
    }

    private void WalkForward(ByteTrie trie, ReadOnlySpan<byte> input, ReadOnlySpan<byte> original, MatchScratch scratch, int mark, int dedupe)
    {
        var node = 0;
        Apply(trie.Pass[0], original, scratch, mark, dedupe);
        foreach (var b in input)
        {
            node = trie.Step(node, b);
            if (node < 0) return;
            Apply(trie.Pass[node], original, scratch, mark, dedupe);
        }
        Apply(trie.End[node], original, scratch, mark, dedupe);
    }

    private void WalkBackward(ByteTrie trie, ReadOnlySpan<byte> input, MatchScratch scratch, int mark, int dedupe)
    {
        var node = 0;
        Apply(trie.Pass[0], default, scratch, mark, dedupe);
        for (var i = input.Length - 1; i >= 0; i--)
        {
            node = trie.Step(node, input[i]);
            if (node < 0) return;
            Apply(trie.Pass[node], default, scratch, mark, dedupe);
        }
    }

    private void Apply(int[]? entries, ReadOnlySpan<byte> original, MatchScratch scratch, int mark, int dedupe)
    {
        if (entries is null) return;
        foreach (var entry in entries)
        {
            var index = entry & IndexMask;
            switch (entry & ActionMask)
            {
                case Hit:
                    Emit(index, scratch, dedupe);
                    break;
                case Fail:
                    scratch.LocalMark[index] = mark;
                    break;
                default:
                    var wildcard = _wildcards[index];
                    if (!wildcard.Pattern.IsMatch(original)) break;
                    if (wildcard.Negate) scratch.LocalMark[wildcard.Id] = mark;
                    else Emit(wildcard.Id, scratch, dedupe);
                    break;
            }
        }
    }

    private void Emit(int id, MatchScratch scratch, int dedupe)
    {
        foreach (var child in _children[id])
        {
            if (scratch.ChildStamp[child] == dedupe) continue;
            scratch.ChildStamp[child] = dedupe;
            scratch.PushChild(child);
        }
    }

    private static void AddWildcard(ByteTrieBuilder strings, List<WildcardEntry> wildcards, Wildcard wildcard, int id, bool negate)
    {
        if (wildcard.IsLiteral)
        {
            strings.AddEnd(wildcard.LeadingLiteral, (negate ? Fail : Hit) | id);
            return;
        }
        strings.AddPass(wildcard.LeadingLiteral, CheckWildcard | wildcards.Count);
        wildcards.Add(new WildcardEntry(wildcard, id, negate));
    }

    private static byte[] LiteralKey(string literalText) => literalText switch
    {
        "true" => "t"u8.ToArray(),
        "false" => "f"u8.ToArray(),
        "null" => "0"u8.ToArray(),
        _ => Utf8("n" + literalText),
    };

    private static void Add(Dictionary<long, List<int>> map, long key, int id)
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(id);
    }

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    private static byte[] Reversed(byte[] bytes)
    {
        Array.Reverse(bytes);
        return bytes;
    }

    private readonly record struct NumericRangeEntry(long Low, bool LowOpen, long High, bool HighOpen, int Id);

    private readonly record struct CidrEntry(Cidr Block, int Id);

    private readonly record struct WildcardEntry(Wildcard Pattern, int Id, bool Negate);
}
