using System.Text.Json;
using System.Text.Json.Nodes;
using Contrail.Events;

namespace Contrail.Applications.Flights;

/// <summary>
/// Seed 000's request format, the fallback for bodies no other format recognises:
/// <c>{type, source?, data:{flightId, destination?, status?, gate?}}</c>. <c>type</c> and <c>flightId</c>
/// are coerced to strings; other keys are dropped, as the original did. Unlike the original, absent
/// fields stay absent (an update changes only what it carries), and an optional <c>time</c> (ISO 8601)
/// sets the event time.
/// </summary>
public static class Seed000EventFormat
{
    public const string DefaultSource = "app.flights";

    public static EventFormat Format { get; } = new("seed-000", 1000, static _ => true, Parse);

    private static ParsedEvent Parse(JsonElement item, IngestContext context)
    {
        var errors = new List<FieldError>();
        var type = Scalar(item, "type", "/type", "type required", errors);
        var hasData = item.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object;
        var flightId = hasData ? Scalar(data, "flightId", "/data/flightId", "data.flightId required", errors) : null;
        if (!hasData) errors.Add(new("/data/flightId", "data.flightId required"));
        var source = item.TryGetProperty("source", out _) ? Scalar(item, "source", "/source", null, errors) : null;
        var time = EventTime.Optional(item, "time", errors);
        if (errors.Count > 0) return ParsedEvent.Reject(errors);

        var detail = new JsonObject { ["flightId"] = flightId };
        foreach (var name in (ReadOnlySpan<string>)["destination", "status", "gate"])
            if (data.TryGetProperty(name, out var value)) detail[name] = JsonNode.Parse(value.GetRawText());
        return ParsedEvent.Accept(new EventEnvelope
        {
            Id = EventIds.New(),
            Source = source ?? DefaultSource,
            DetailType = type!,
            Time = time ?? context.Now,
            Detail = detail,
            Traceparent = context.Traceparent,
        }, clientSuppliedId: false);
    }

    /// <summary>
    /// The original's check, JavaScript truthiness then String(): a missing, null, empty, 0 or false value
    /// is "required" (when <paramref name="requiredMessage"/> is given); strings, numbers and true become
    /// strings; objects and arrays are refused rather than turned into "[object Object]".
    /// </summary>
    private static string? Scalar(JsonElement parent, string name, string pointer, string? requiredMessage, List<FieldError> errors)
    {
        parent.TryGetProperty(name, out var value);
        string? text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() is { Length: > 0 } s ? s : null,
            JsonValueKind.Number => value.GetDouble() == 0 ? null : value.GetRawText(),
            JsonValueKind.True => "true",
            _ => null,
        };
        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            errors.Add(new(pointer, $"{name} must be a string or a number"));
        else if (text is null && requiredMessage is not null)
            errors.Add(new(pointer, requiredMessage));
        return text;
    }
}
