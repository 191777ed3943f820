using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Contrail.Events;

namespace Contrail.Archives;

/// <summary>
/// Where an archived event's file goes inside its archive's folder, e.g. <c>{detail-type}/{yyyy}/{MM}/{dd}/{id}.json</c>
/// (seed 002's bronze layout). Placeholders: <c>{id}</c>, <c>{source}</c>, <c>{detail-type}</c>,
/// <c>{detail.FIELD}</c> (a top-level field of the detail), and <c>{yyyy}</c>, <c>{MM}</c>, <c>{dd}</c>,
/// <c>{HH}</c>: the UTC time the event was archived, so folders fill in arrival order. Values are sanitised
/// to letters, digits, '.', '-' and '_'; the event id, which must name the file, is escaped reversibly
/// (<c>%XX</c>) so that two ids never share a file.
/// </summary>
public sealed class ArchivePathTemplate
{
    private readonly Part[] _parts;

    private ArchivePathTemplate(Part[] parts) => _parts = parts;

    public static bool TryParse(string? text, out ArchivePathTemplate? template, out string? problem)
    {
        template = null;
        problem = null;
        if (string.IsNullOrEmpty(text) || text.Length > 256)
        {
            problem = "must be 1-256 characters";
            return false;
        }
        var parts = new List<Part>();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '{')
            {
                var close = text.IndexOf('}', i);
                var name = close < 0 ? "" : text[(i + 1)..close];
                if (!IsPlaceholder(name))
                {
                    problem = $"has an unknown placeholder at position {i}; use {{id}}, {{source}}, {{detail-type}}, {{detail.FIELD}}, {{yyyy}}, {{MM}}, {{dd}} or {{HH}}";
                    return false;
                }
                parts.Add(new Part(null, name));
                i = close + 1;
                continue;
            }
            var start = i;
            while (i < text.Length && text[i] != '{') i++;
            var literal = text[start..i];
            if (!literal.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/'))
            {
                problem = "may hold only placeholders, letters, digits, '.', '-', '_' and '/'";
                return false;
            }
            parts.Add(new Part(literal, null));
        }
        // The file name must be the event id (with an optional suffix), so that every event has its own file.
        var lastSlash = parts.FindLastIndex(p => p.Literal?.Contains('/') == true);
        var fileParts = parts.Skip(lastSlash + 1).ToList();
        var lastSegmentStart = lastSlash < 0 ? "" : parts[lastSlash].Literal![(parts[lastSlash].Literal!.LastIndexOf('/') + 1)..];
        if (lastSegmentStart.Length > 0 || fileParts.Count == 0 || fileParts[0].Placeholder != "id" || fileParts.Skip(1).Any(p => p.Placeholder is not null))
        {
            problem = "the file name (after the last '/') must be {id}, optionally followed by a suffix such as .json";
            return false;
        }
        var segments = text.Split('/');
        if (text.StartsWith('/') || segments.Any(s => s.Length == 0 || s == "." || s == ".."))
        {
            problem = "must be a relative path without empty, '.' or '..' segments";
            return false;
        }
        template = new ArchivePathTemplate(parts.ToArray());
        return true;
    }

    private static bool IsPlaceholder(string name) =>
        name is "id" or "source" or "detail-type" or "yyyy" or "MM" or "dd" or "HH"
        || (name.StartsWith("detail.", StringComparison.Ordinal) && name.Length > 7 && name.Length <= 135);

    /// <summary>The relative path (with '/') of an event archived at <paramref name="archivedAt"/>.</summary>
    public string Render(EventEnvelope envelope, DateTimeOffset archivedAt)
    {
        var path = new StringBuilder(96);
        var utc = archivedAt.UtcDateTime;
        foreach (var part in _parts)
        {
            if (part.Literal is not null)
            {
                path.Append(part.Literal);
                continue;
            }
            path.Append(part.Placeholder switch
            {
                "id" => EscapeId(envelope.Id),
                "source" => Sanitise(envelope.Source),
                "detail-type" => Sanitise(envelope.DetailType),
                "yyyy" => utc.ToString("yyyy", CultureInfo.InvariantCulture),
                "MM" => utc.ToString("MM", CultureInfo.InvariantCulture),
                "dd" => utc.ToString("dd", CultureInfo.InvariantCulture),
                "HH" => utc.ToString("HH", CultureInfo.InvariantCulture),
                var detail => Sanitise(DetailField(envelope.Detail, detail![7..])),
            });
        }
        return path.ToString();
    }

    private static string? DetailField(JsonObject detail, string name) => detail[name] switch
    {
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonValue value => value.ToJsonString(),
        _ => null,
    };

    /// <summary>A folder-safe form of a value: anything but letters, digits, '.', '-' and '_' becomes '_'.</summary>
    public static string Sanitise(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "_";
        var text = new StringBuilder(Math.Min(value.Length, 100));
        foreach (var c in value)
        {
            if (text.Length == 100) break;
            text.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' ? c : '_');
        }
        var result = text.ToString();
        return result.Trim('.').Length == 0 ? "_" : result;
    }

    /// <summary>The event id with every character outside letters, digits, '-' and '_' written as %XX (UTF-8), so it stays unique.</summary>
    public static string EscapeId(string id)
    {
        var text = new StringBuilder(id.Length + 8);
        foreach (var b in Encoding.UTF8.GetBytes(id))
        {
            if (char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_') text.Append((char)b);
            else text.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    private readonly record struct Part(string? Literal, string? Placeholder);
}
