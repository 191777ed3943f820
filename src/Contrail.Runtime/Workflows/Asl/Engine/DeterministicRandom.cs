using System.Globalization;

namespace Contrail.Workflows.Asl;

/// <summary>
/// A small seeded generator (SplitMix64). Jitter, <c>States.UUID</c> and <c>States.MathRandom</c> draw from one
/// seeded by the execution's <see cref="ExecutionContextData.RandomSeed"/>, the frame, the state visit and the
/// attempt, so a frame resumed after a crash computes the same values as before it.
/// </summary>
public sealed class DeterministicRandom
{
    private ulong _state;

    public DeterministicRandom(ulong seed) => _state = seed;

    public ulong NextUInt64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A version-4 UUID string built from 122 generated bits.</summary>
    public string NextUuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        BitConverter.TryWriteBytes(bytes, NextUInt64());
        BitConverter.TryWriteBytes(bytes[8..], NextUInt64());
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return string.Create(36, bytes.ToArray(), static (span, b) =>
        {
            var pos = 0;
            for (var i = 0; i < 16; i++)
            {
                if (i is 4 or 6 or 8 or 10) span[pos++] = '-';
                b[i].TryFormat(span[pos..], out var written, "x2", CultureInfo.InvariantCulture);
                pos += written;
            }
        });
    }

    /// <summary>Combines two 64-bit values into a well-mixed seed.</summary>
    public static ulong Mix(ulong a, ulong b)
    {
        var z = a ^ (b + 0x9E3779B97F4A7C15UL + (a << 6) + (a >> 2));
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>FNV-1a over UTF-16 code units: stable across processes (unlike string.GetHashCode).</summary>
    public static ulong Hash(string s)
    {
        var h = 14695981039346656037UL;
        foreach (var c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return h;
    }
}
