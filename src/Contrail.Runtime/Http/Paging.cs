using System.Buffers.Text;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Contrail.Http;

/// <summary>
/// Every list answers <c>{"items":[...],"next_cursor":...}</c>. <c>limit</c> defaults to 50 and larger
/// values than 1000 are clamped; the cursor is opaque to clients.
/// </summary>
public readonly record struct PageRequest(int Limit, string? Position)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 1000;

    /// <summary>Reads <c>limit</c> and <c>cursor</c> from the query string, or says what is wrong with them.</summary>
    public static bool TryRead(HttpRequest request, out PageRequest page, out IResult? problem)
    {
        page = default;
        problem = null;
        var limit = DefaultLimit;
        var limitText = request.Query["limit"].ToString();
        if (limitText.Length > 0 && (!int.TryParse(limitText, out limit) || limit < 1))
        {
            problem = Problems.Validation("/limit", "must be a whole number of at least 1");
            return false;
        }
        string? position = null;
        var cursor = request.Query["cursor"].ToString();
        if (cursor.Length > 0 && (position = Decode(cursor)) is null)
        {
            problem = Problems.Validation("/cursor", "is not a cursor this server gave out");
            return false;
        }
        page = new PageRequest(Math.Min(limit, MaxLimit), position);
        return true;
    }

    public static string Encode(string position) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(position));

    private static string? Decode(string cursor)
    {
        try { return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)); }
        catch (FormatException) { return null; }
    }
}

public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor)
{
    /// <summary>A page from rows fetched with <c>limit + 1</c>: the extra row only says there is more.</summary>
    public static Page<T> From<TRow>(List<TRow> rows, int limit, Func<TRow, T> map, Func<TRow, string> position) =>
        rows.Count > limit
            ? new Page<T>(rows.Take(limit).Select(map).ToList(), PageRequest.Encode(position(rows[limit - 1])))
            : new Page<T>(rows.Select(map).ToList(), null);
}
