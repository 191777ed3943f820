using System.Text.Json;

namespace Contrail.Patterns;

/// <summary>
/// Reads an event once, with <see cref="Utf8JsonReader"/>, into the flat list of leaf values at paths some rule
/// names (event-ruler's <c>Event</c>). Field names are walked byte by byte through a trie of every dotted path the
/// matcher uses, so <c>{"a":{"b":1}}</c> and <c>{"a.b":1}</c> both reach path <c>a.b</c>, and a field no rule uses is
/// skipped without being read further. Arrays contribute each element; elements inside arrays remember which
/// element of which array they came from, so fields of one rule can be required to come from the same object.
/// Cost: one pass over the bytes; copies only the values of used paths.
/// </summary>
internal static class EventFlattener
{
    // Comments and trailing commas are tolerated because a JsonElement parsed with those options keeps them in its
    // raw text, which is what Matcher reads; everything else is strict JSON.
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 256, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Flattens the event into <paramref name="scratch"/>; false when the JSON is not an object (nothing can match).</summary>
    public static bool Flatten(ReadOnlySpan<byte> utf8Json, ByteTrie paths, MatchScratch scratch)
    {
        var reader = new Utf8JsonReader(utf8Json, ReaderOptions);
        if (!reader.Read()) return false;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip(); // still validate the rest, so malformed input fails the same way whatever its type
            return false;
        }
        FlattenObject(ref reader, 0, paths, scratch);
        reader.Read(); // throws if anything but whitespace follows the object
        scratch.GroupByPath();
        return true;
    }

    private static void FlattenObject(ref Utf8JsonReader reader, int node, ByteTrie paths, MatchScratch scratch)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var fieldNode = WalkName(ref reader, node, paths);
            reader.Read();
            if (fieldNode < 0) reader.Skip();
            else FlattenValue(ref reader, fieldNode, paths, scratch, directArrayElement: false);
        }
    }

    private static void FlattenValue(ref Utf8JsonReader reader, int node, ByteTrie paths, MatchScratch scratch, bool directArrayElement)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
            {
                var dot = paths.Step(node, (byte)'.');
                if (dot < 0) reader.Skip();
                else FlattenObject(ref reader, dot, paths, scratch);
                return;
            }
            case JsonTokenType.StartArray:
            {
                if (paths.End[node] is null && paths.Step(node, (byte)'.') < 0)
                {
                    reader.Skip();
                    return;
                }
                var arrayId = scratch.NextArrayId++;
                var arrayStart = scratch.ValueCount;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    var elementId = scratch.NextElementId++;
                    var elementStart = scratch.ValueCount;
                    PushArray(scratch, arrayId, elementId);
                    FlattenValue(ref reader, node, paths, scratch, directArrayElement: true);
                    scratch.ArrayDepth--;
                    MatchScratch.SetRange(ref scratch.ElementRange, elementId, elementStart, scratch.ValueCount);
                }
                MatchScratch.SetRange(ref scratch.ArrayRange, arrayId, arrayStart, scratch.ValueCount);
                return;
            }
        }

        if (paths.End[node] is not { } leaf) return;
        var kind = reader.TokenType switch
        {
            JsonTokenType.String => FlatKind.String,
            JsonTokenType.Number => FlatKind.Number,
            JsonTokenType.True => FlatKind.True,
            JsonTokenType.False => FlatKind.False,
            _ => FlatKind.Null,
        };
        Emit(ref reader, leaf[0], kind, scratch, directArrayElement);
    }

    private static void Emit(ref Utf8JsonReader reader, int pathId, FlatKind kind, MatchScratch scratch, bool directArrayElement)
    {
        if (scratch.ValueCount == scratch.Values.Length) Array.Resize(ref scratch.Values, scratch.Values.Length * 2);
        ref var value = ref scratch.Values[scratch.ValueCount];
        value = default;
        value.PathId = pathId;
        value.Kind = kind;
        value.FoldedStart = -1;

        if (kind is FlatKind.String or FlatKind.Number)
        {
            var raw = reader.HasValueSequence ? throw new InvalidOperationException("contiguous input expected") : reader.ValueSpan;
            var destination = scratch.ReserveBytes(raw.Length);
            var length = reader.ValueIsEscaped ? reader.CopyString(destination) : CopyRaw(raw, destination);
            value.Start = scratch.ByteCount;
            value.Length = length;
            scratch.ByteCount += length;
            if (kind == FlatKind.Number)
                value.IsComparable = ComparableNumber.TryParse(destination[..length], out value.Number) == ComparableNumber.Status.Ok;
        }

        // Membership: every enclosing array, except the innermost when this scalar is its direct element (values of
        // one scalar array all share one path, and a rule names each path once, so that entry never matters).
        var depth = scratch.ArrayDepth - (directArrayElement ? 1 : 0);
        if (depth > 0)
        {
            var pairs = depth * 2;
            if (scratch.MemberCount + pairs > scratch.Members.Length) Array.Resize(ref scratch.Members, Math.Max(scratch.Members.Length * 2, scratch.MemberCount + pairs));
            Array.Copy(scratch.ArrayStack, 0, scratch.Members, scratch.MemberCount, pairs);
            value.MemberStart = scratch.MemberCount;
            value.MemberCount = depth;
            scratch.MemberCount += pairs;
        }

        if (scratch.PathCount[pathId]++ == 0)
        {
            if (scratch.TouchedCount == scratch.TouchedPaths.Length) Array.Resize(ref scratch.TouchedPaths, scratch.TouchedPaths.Length * 2);
            scratch.TouchedPaths[scratch.TouchedCount++] = pathId;
        }
        scratch.ValueCount++;
    }

    private static int CopyRaw(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        raw.CopyTo(destination);
        return raw.Length;
    }

    private static void PushArray(MatchScratch scratch, int arrayId, int elementId)
    {
        var at = scratch.ArrayDepth * 2;
        if (at + 2 > scratch.ArrayStack.Length) Array.Resize(ref scratch.ArrayStack, scratch.ArrayStack.Length * 2);
        scratch.ArrayStack[at] = arrayId;
        scratch.ArrayStack[at + 1] = elementId;
        scratch.ArrayDepth++;
    }

    private static int WalkName(ref Utf8JsonReader reader, int node, ByteTrie paths)
    {
        if (!reader.ValueIsEscaped)
        {
            foreach (var b in reader.ValueSpan)
            {
                node = paths.Step(node, b);
                if (node < 0) return -1;
            }
            return node;
        }
        var length = reader.ValueSpan.Length;
        Span<byte> buffer = length <= 256 ? stackalloc byte[length] : new byte[length];
        var written = reader.CopyString(buffer);
        foreach (var b in buffer[..written])
        {
            node = paths.Step(node, b);
            if (node < 0) return -1;
        }
        return node;
    }
}
