using System.Globalization;
using System.Text.Json;

namespace Contrail.Events;

/// <summary>Event times: ISO 8601; a time without an offset is read as UTC.</summary>
public static class EventTime
{
    public static bool TryParse(string text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out time)
        && text.Length >= 10 && char.IsAsciiDigit(text[0]) && text[4] == '-';

    public static DateTimeOffset? Optional(JsonElement item, string name, List<FieldError> errors)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return null;
        if (value.ValueKind == JsonValueKind.String && TryParse(value.GetString()!, out var time)) return time;
        errors.Add(new($"/{name}", "must be an ISO 8601 timestamp such as 2025-01-15T08:00:00Z"));
        return null;
    }
}

/// <summary>Event ids made by Contrail: UUID version 7, so they sort by creation time.</summary>
public static class EventIds
{
    public static string New() => Guid.CreateVersion7().ToString();
}
