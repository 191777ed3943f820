using Contrail.Patterns;

namespace Contrail.Tests.Patterns;

public sealed class ComparableNumberTests
{
    [Theory]
    [InlineData("0", 0L)]
    [InlineData("-0", 0L)]
    [InlineData("35", 35_000_000L)]
    [InlineData("3.5e1", 35_000_000L)]
    [InlineData("3.5E+1", 35_000_000L)]
    [InlineData("350e-1", 35_000_000L)]
    [InlineData("0.000001", 1L)]
    [InlineData("1.5000000000000000000000", 1_500_000L)]
    [InlineData("-5000000000", -5_000_000_000_000_000L)]
    [InlineData("5e9", 5_000_000_000_000_000L)]
    [InlineData("0.0000000e5", 0L)]
    [InlineData("00012.5", 12_500_000L)]
    public void Parses_exactly(string text, long scaled)
    {
        Assert.Equal(ComparableNumber.Status.Ok, ComparableNumber.TryParse(text, out var value));
        Assert.Equal(scaled, value);
    }

    [Theory]
    [InlineData("5000000000.000001", "OutOfRange")]
    [InlineData("1e10", "OutOfRange")]
    [InlineData("1e400", "OutOfRange")]
    [InlineData("123456789012345678901234567890", "OutOfRange")]
    [InlineData("0.0000001", "TooPrecise")]
    [InlineData("1e-7", "TooPrecise")]
    [InlineData("1.00000000000000000001", "TooPrecise")]
    [InlineData("abc", "NotANumber")]
    [InlineData("1.", "NotANumber")]
    [InlineData("1e", "NotANumber")]
    [InlineData("", "NotANumber")]
    public void Rejects_what_is_not_comparable(string text, string status) =>
        Assert.Equal(Enum.Parse<ComparableNumber.Status>(status), ComparableNumber.TryParse(text, out _));

    [Fact]
    public void Comparable_strings_sort_like_the_numbers()
    {
        string[] texts = ["-5e9", "-1.5", "-0.000001", "0", "0.000001", "1", "1.5", "10", "4999999999.999999", "5e9"];
        var strings = texts.Select(t =>
        {
            Assert.Equal(ComparableNumber.Status.Ok, ComparableNumber.TryParse(t, out var v));
            return ComparableNumber.ToComparableString(v);
        }).ToArray();
        Assert.All(strings, s => Assert.Equal(14, s.Length));
        Assert.Equal(strings, strings.Order(StringComparer.Ordinal));
    }
}
