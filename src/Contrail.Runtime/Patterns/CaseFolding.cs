using System.Buffers;
using System.Text;

namespace Contrail.Patterns;

/// <summary>
/// Case folding for the ignore-case tests: each Unicode scalar is mapped with <see cref="Rune.ToLowerInvariant"/>
/// (simple, one-to-one mappings, so lengths in scalars never change and "ß" stays "ß"). Both the pattern text and
/// the event value are folded and then compared ordinally. Cost: one decode/encode pass, into a caller's buffer.
/// </summary>
internal static class CaseFolding
{
    public static string Fold(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var rune in text.EnumerateRunes()) sb.Append(Rune.ToLowerInvariant(rune).ToString());
        return sb.ToString();
    }

    /// <summary>Folds UTF-8 into <paramref name="destination"/> (at least as long as the source times 2); returns the length written.</summary>
    public static int FoldUtf8(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        var written = 0;
        while (!source.IsEmpty)
        {
            var b = source[0];
            if (b < 0x80)
            {
                destination[written++] = (uint)(b - 'A') <= 'Z' - 'A' ? (byte)(b | 0x20) : b;
                source = source[1..];
                continue;
            }
            if (Rune.DecodeFromUtf8(source, out var rune, out var consumed) != OperationStatus.Done)
            {
                // Not reachable for values the JSON reader validated; copy the byte through unchanged.
                destination[written++] = b;
                source = source[1..];
                continue;
            }
            written += Rune.ToLowerInvariant(rune).EncodeToUtf8(destination[written..]);
            source = source[consumed..];
        }
        return written;
    }
}
