using System.Text;

namespace Contrail.Patterns;

/// <summary>
/// Numbers as EventBridge compares them: values from -5.0e9 to +5.0e9 inclusive, exact to six digits after the
/// decimal point (so at most 16 significant digits). A number is turned into its value times 10^6 plus 5.0e15, an
/// unsigned integer below 2^54; compared as a fixed-width 7-byte big-endian string (14 hex digits, see
/// <see cref="ToComparableString"/>) or, equivalently and cheaper, as a <see cref="long"/>, numeric order and
/// byte order agree, so ranges become simple interval tests and <c>35</c> equals <c>3.5e1</c>.
/// <para>
/// Parsing is exact decimal arithmetic on the JSON text (no double rounding: <c>0.3</c> minus nothing is
/// <c>0.3</c>). Numbers outside the range, or with a nonzero seventh decimal, are not comparable: a pattern
/// rejects them, an event value keeps only its literal text (it can still equal a pattern literal of the same text).
/// Cost: one pass over the digits, no allocation.
/// </para>
/// </summary>
internal static class ComparableNumber
{
    /// <summary>5.0e9 scaled by 10^6: the largest magnitude a comparable number may have.</summary>
    public const long MaxScaled = 5_000_000_000L * 1_000_000L;

    /// <summary>Decimal places kept exactly.</summary>
    public const int DecimalPlaces = 6;

    /// <summary>Why a number text is or is not comparable.</summary>
    public enum Status : byte
    {
        /// <summary>Parsed; the scaled value is exact.</summary>
        Ok,
        /// <summary>Not a JSON number.</summary>
        NotANumber,
        /// <summary>Magnitude above 5.0e9.</summary>
        OutOfRange,
        /// <summary>A nonzero digit beyond the sixth decimal place.</summary>
        TooPrecise,
    }

    /// <summary>Parses JSON number text (UTF-8) into value × 10^6.</summary>
    public static Status TryParse(ReadOnlySpan<byte> text, out long scaled)
    {
        scaled = 0;
        var i = 0;
        var negative = false;
        if (i < text.Length && text[i] == (byte)'-') { negative = true; i++; }
        var digitsStart = i;

        // Significant digits accumulate in `mantissa` (at most 17 kept: more cannot fit the range anyway);
        // `exponent` is the power of ten to apply to it.
        long mantissa = 0;
        var mantissaDigits = 0;
        var exponent = 0;
        var droppedNonZero = false;
        var sawDigit = false;
        while (i < text.Length && IsDigit(text[i]))
        {
            sawDigit = true;
            Accumulate(text[i] - '0', ref mantissa, ref mantissaDigits, ref exponent, ref droppedNonZero, fraction: false);
            i++;
        }
        if (i < text.Length && text[i] == (byte)'.')
        {
            i++;
            var fractionStart = i;
            while (i < text.Length && IsDigit(text[i]))
            {
                Accumulate(text[i] - '0', ref mantissa, ref mantissaDigits, ref exponent, ref droppedNonZero, fraction: true);
                i++;
            }
            if (i == fractionStart) return Status.NotANumber;
        }
        if (!sawDigit || i == digitsStart) return Status.NotANumber;
        if (i < text.Length && (text[i] == (byte)'e' || text[i] == (byte)'E'))
        {
            i++;
            var expNegative = false;
            if (i < text.Length && (text[i] == (byte)'+' || text[i] == (byte)'-')) { expNegative = text[i] == (byte)'-'; i++; }
            var expStart = i;
            var exp = 0;
            while (i < text.Length && IsDigit(text[i]))
            {
                if (exp < 100_000) exp = exp * 10 + (text[i] - '0'); // saturate: anything this large is out of range
                i++;
            }
            if (i == expStart) return Status.NotANumber;
            exponent += expNegative ? -exp : exp;
        }
        if (i != text.Length) return Status.NotANumber;
        if (droppedNonZero) return mantissaDigits + exponent > 10 ? Status.OutOfRange : Status.TooPrecise;
        if (mantissa == 0) { scaled = 0; return Status.Ok; }

        // Strip trailing zeros so 1.500000000 is as precise as 1.5.
        while (mantissa % 10 == 0) { mantissa /= 10; exponent++; mantissaDigits--; }
        var shift = exponent + DecimalPlaces;
        if (shift < 0) return mantissaDigits + exponent > 10 ? Status.OutOfRange : Status.TooPrecise;
        if (mantissaDigits + shift > 16) return Status.OutOfRange;
        for (var k = 0; k < shift; k++) mantissa *= 10;
        if (mantissa > MaxScaled) return Status.OutOfRange;
        scaled = negative ? -mantissa : mantissa;
        return Status.Ok;
    }

    /// <summary>Parses JSON number text into value × 10^6.</summary>
    public static Status TryParse(string text, out long scaled)
    {
        Span<byte> buffer = text.Length <= 128 ? stackalloc byte[text.Length] : new byte[text.Length];
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] > 127) { scaled = 0; return Status.NotANumber; }
            buffer[i] = (byte)text[i];
        }
        return TryParse(buffer, out scaled);
    }

    /// <summary>The fixed-width comparable string: 14 upper-case hex digits of value × 10^6 + 5.0e15.</summary>
    public static string ToComparableString(long scaled) => (scaled + MaxScaled).ToString("X14", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Plain decimal text of a scaled value, e.g. 301800000 gives "301.8".</summary>
    public static string ToDecimalString(long scaled)
    {
        var sb = new StringBuilder();
        if (scaled < 0) { sb.Append('-'); scaled = -scaled; }
        sb.Append(scaled / 1_000_000);
        var fraction = scaled % 1_000_000;
        if (fraction != 0) sb.Append('.').Append(fraction.ToString("D6", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0'));
        return sb.ToString();
    }

    private static bool IsDigit(byte b) => (uint)(b - '0') <= 9;

    private static void Accumulate(int digit, ref long mantissa, ref int mantissaDigits, ref int exponent, ref bool droppedNonZero, bool fraction)
    {
        if (mantissaDigits == 0 && digit == 0)
        {
            // Leading zeros carry no significance; after the point they only move the exponent.
            if (fraction) exponent--;
            return;
        }
        if (mantissaDigits < 18)
        {
            mantissa = mantissa * 10 + digit;
            mantissaDigits++;
            if (fraction) exponent--;
        }
        else
        {
            // Beyond 18 significant digits nothing fits the range exactly; remember whether it mattered.
            if (digit != 0) droppedNonZero = true;
            if (!fraction) exponent++;
        }
    }
}
