using System.Net;
using System.Net.Sockets;

namespace Contrail.Patterns;

/// <summary>
/// An IP address block, IPv4 or IPv6, as an inclusive range of 128-bit integers. IPv4 addresses are parsed
/// strictly (four decimal parts 0-255, no leading zeros) so that text like <c>10.0.0.256</c> or <c>1</c> is not an
/// address; IPv6 uses the framework parser, without zone ids. Cost of a test: one parse of the event string
/// (no allocation) and two 128-bit compares per block.
/// </summary>
internal readonly record struct Cidr(bool IsIPv6, UInt128 First, UInt128 Last)
{
    /// <summary>Parses <c>address/prefix-length</c>; the address's host bits are ignored. Errors use event-ruler's words.</summary>
    public static bool TryParse(string text, out Cidr cidr, out string error)
    {
        cidr = default;
        var slash = text.IndexOf('/');
        if (slash < 0 || slash != text.LastIndexOf('/'))
        {
            error = "Malformed CIDR, one '/' required";
            return false;
        }
        var addressText = text.AsSpan(0, slash);
        var lengthText = text.AsSpan(slash + 1);
        if (lengthText.Length is 0 or > 3 || !int.TryParse(lengthText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefix))
        {
            error = "Malformed CIDR, mask bits must be an integer";
            return false;
        }
        if (!TryParseAddress(addressText, out var isV6, out var address))
        {
            error = $"Nonstandard IP address: {addressText}";
            return false;
        }
        var bits = isV6 ? 128 : 32;
        if (prefix > bits)
        {
            error = $"Malformed CIDR, mask bits must be between 0 and {bits}";
            return false;
        }
        var hostBits = bits - prefix;
        var hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - UInt128.One;
        var first = address & ~hostMask;
        cidr = new Cidr(isV6, first, first | hostMask);
        error = "";
        return true;
    }

    /// <summary>A block holding exactly one address, or false when the text is not an address.</summary>
    public static bool TryParseSingleAddress(string text, out Cidr cidr)
    {
        if (TryParseAddress(text, out var isV6, out var address))
        {
            cidr = new Cidr(isV6, address, address);
            return true;
        }
        cidr = default;
        return false;
    }

    /// <summary>Whether the address is inside this block (an address of the other family never is).</summary>
    public bool Contains(bool isV6, UInt128 address) => isV6 == IsIPv6 && address >= First && address <= Last;

    /// <summary>Parses an IPv4 or IPv6 address given as UTF-8 bytes (event values arrive that way).</summary>
    public static bool TryParseAddress(ReadOnlySpan<byte> utf8, out bool isV6, out UInt128 address)
    {
        isV6 = false;
        address = default;
        if (utf8.Length is 0 or > 45) return false;
        Span<char> chars = stackalloc char[utf8.Length];
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] > 127) return false;
            chars[i] = (char)utf8[i];
        }
        return TryParseAddress(chars, out isV6, out address);
    }

    /// <summary>Parses an IPv4 or IPv6 address.</summary>
    public static bool TryParseAddress(ReadOnlySpan<char> text, out bool isV6, out UInt128 address)
    {
        isV6 = false;
        address = default;
        if (text.Length is 0 or > 45) return false;
        if (text.IndexOf(':') < 0) return TryParseIPv4(text, out address);
        if (text.IndexOf('%') >= 0 || !IPAddress.TryParse(text, out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6) return false;
        Span<byte> bytes = stackalloc byte[16];
        if (!ip.TryWriteBytes(bytes, out _)) return false;
        isV6 = true;
        address = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
        return true;
    }

    private static bool TryParseIPv4(ReadOnlySpan<char> text, out UInt128 address)
    {
        address = default;
        uint value = 0;
        var parts = 0;
        var i = 0;
        while (true)
        {
            var start = i;
            var part = 0;
            while (i < text.Length && (uint)(text[i] - '0') <= 9 && i - start < 3)
            {
                part = part * 10 + (text[i] - '0');
                i++;
            }
            var length = i - start;
            if (length == 0 || part > 255 || (length > 1 && text[start] == '0')) return false;
            value = (value << 8) | (uint)part;
            parts++;
            if (parts == 4) break;
            if (i >= text.Length || text[i] != '.') return false;
            i++;
        }
        if (i != text.Length) return false;
        address = value;
        return true;
    }

    public override string ToString()
    {
        var bits = IsIPv6 ? 128 : 32;
        var size = Last - First;
        var hostBits = size == UInt128.MaxValue ? 128 : (int)UInt128.Log2(size + UInt128.One);
        if (size == UInt128.Zero) hostBits = 0;
        string address;
        if (IsIPv6)
        {
            Span<byte> bytes = stackalloc byte[16];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, First);
            address = new IPAddress(bytes).ToString();
        }
        else
        {
            var v = (uint)First;
            address = $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}";
        }
        return $"{address}/{bits - hostBits}";
    }
}
