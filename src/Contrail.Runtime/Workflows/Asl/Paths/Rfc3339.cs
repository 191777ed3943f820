using System.Globalization;

namespace Contrail.Workflows.Asl;

/// <summary>
/// Strict RFC 3339 date-times as Step Functions accepts them: <c>YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm)</c>,
/// with the <c>T</c> and the offset required (<c>2016-12-05 21:29:29Z</c> and <c>2016-12-05T21:29:29</c> are rejected).
/// Fractions longer than .NET's 100 ns ticks are truncated.
/// </summary>
public static class Rfc3339
{
    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (text is null || text.Length < 20) return false;
        var s = text.AsSpan();
        if (!Digits(s, 0, 4, out var year) || s[4] != '-' || !Digits(s, 5, 2, out var month) || s[7] != '-' ||
            !Digits(s, 8, 2, out var day) || s[10] is not ('T' or 't') || !Digits(s, 11, 2, out var hour) || s[13] != ':' ||
            !Digits(s, 14, 2, out var minute) || s[16] != ':' || !Digits(s, 17, 2, out var second))
            return false;
        var pos = 19;
        long fractionTicks = 0;
        if (pos < s.Length && s[pos] == '.')
        {
            pos++;
            var start = pos;
            while (pos < s.Length && char.IsAsciiDigit(s[pos])) pos++;
            var digits = pos - start;
            if (digits == 0) return false;
            var used = Math.Min(digits, 7);
            fractionTicks = long.Parse(s.Slice(start, used), NumberStyles.None, CultureInfo.InvariantCulture);
            for (var i = used; i < 7; i++) fractionTicks *= 10;
        }
        if (pos >= s.Length) return false;
        TimeSpan offset;
        if (s[pos] is 'Z' or 'z')
        {
            offset = TimeSpan.Zero;
            pos++;
        }
        else if (s[pos] is '+' or '-')
        {
            if (pos + 6 != s.Length || s[pos + 3] != ':' || !Digits(s, pos + 1, 2, out var oh) || !Digits(s, pos + 4, 2, out var om) || oh > 23 || om > 59)
                return false;
            offset = new TimeSpan(oh, om, 0);
            if (s[pos] == '-') offset = -offset;
            pos += 6;
        }
        else
        {
            return false;
        }
        if (pos != s.Length) return false;
        if (month is < 1 or > 12 || day < 1 || year < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
            return false;
        try
        {
            value = new DateTimeOffset(year, month, day, hour, minute, second, offset).AddTicks(fractionTicks);
            return true;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    /// <summary>The format Step Functions uses for context-object times: UTC with milliseconds.</summary>
    public static string Format(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static bool Digits(ReadOnlySpan<char> s, int start, int count, out int value)
    {
        value = 0;
        if (start + count > s.Length) return false;
        for (var i = start; i < start + count; i++)
        {
            if (!char.IsAsciiDigit(s[i])) return false;
            value = value * 10 + (s[i] - '0');
        }
        return true;
    }
}
