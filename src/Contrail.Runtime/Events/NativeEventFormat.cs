using System.Text.Json;
using System.Text.Json.Nodes;

namespace Contrail.Events;

/// <summary>
/// Contrail's own envelope, which is EventBridge's: <c>source</c>, <c>detail-type</c>, <c>detail</c>, and
/// optionally <c>id</c> (makes the request idempotent), <c>time</c>, <c>subject</c>, <c>resources</c>.
/// Whole EventBridge events (with <c>version</c>, <c>account</c>, <c>region</c>) are accepted as they are.
/// </summary>
public static class NativeEventFormat
{
    public const int MaxIdLength = 128;

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail", "subject", "traceparent",
    };

    public static EventFormat Format { get; } = new("native", 300, Recognizes, Parse);

    private static bool Recognizes(JsonElement item) => item.TryGetProperty("detail-type", out _) || item.TryGetProperty("detail", out _);

    private static ParsedEvent Parse(JsonElement item, IngestContext context)
    {
        var errors = new List<FieldError>();
        foreach (var property in item.EnumerateObject())
            if (!Known.Contains(property.Name))
                errors.Add(new($"/{EscapePointer(property.Name)}", $"unknown field '{property.Name}'; an event has source, detail-type, detail and optionally id, time, subject, resources"));

        var source = RequiredString(item, "source", 256, errors);
        var detailType = RequiredString(item, "detail-type", 128, errors);
        var id = OptionalString(item, "id", MaxIdLength, errors);
        if (id is not null && !IsValidId(id)) errors.Add(new("/id", "must be 1-128 letters, digits, '-', '_', '.' or ':'"));
        var subject = OptionalString(item, "subject", 1024, errors);
        var account = OptionalString(item, "account", 64, errors);
        var region = OptionalString(item, "region", 64, errors);
        var version = OptionalString(item, "version", 16, errors);
        var time = EventTime.Optional(item, "time", errors);

        JsonObject detail = [];
        if (!item.TryGetProperty("detail", out var detailElement) || detailElement.ValueKind == JsonValueKind.Null)
            errors.Add(new("/detail", "required: a JSON object (use {} for none)"));
        else if (detailElement.ValueKind != JsonValueKind.Object)
            errors.Add(new("/detail", "must be a JSON object"));
        else
            detail = JsonObject.Create(detailElement)!.DeepClone().AsObject();

        var resources = new List<string>();
        if (item.TryGetProperty("resources", out var resourcesElement) && resourcesElement.ValueKind != JsonValueKind.Null)
        {
            if (resourcesElement.ValueKind != JsonValueKind.Array) errors.Add(new("/resources", "must be an array of strings"));
            else
            {
                var index = 0;
                foreach (var resource in resourcesElement.EnumerateArray())
                {
                    if (resource.ValueKind == JsonValueKind.String) resources.Add(resource.GetString()!);
                    else errors.Add(new($"/resources/{index}", "must be a string"));
                    index++;
                }
            }
        }

        if (errors.Count > 0) return ParsedEvent.Reject(errors);
        return ParsedEvent.Accept(new EventEnvelope
        {
            Id = id ?? EventIds.New(),
            Source = source!,
            DetailType = detailType!,
            Time = time ?? context.Now,
            Detail = detail,
            Subject = subject,
            Resources = resources,
            Account = account ?? EventEnvelope.DefaultAccount,
            Region = region ?? EventEnvelope.DefaultRegion,
            Version = version ?? "0",
            Traceparent = context.Traceparent,
        }, clientSuppliedId: id is not null);
    }

    public static bool IsValidId(string id) =>
        id.Length is > 0 and <= MaxIdLength && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');

    internal static string EscapePointer(string name) => name.Replace("~", "~0").Replace("/", "~1");

    public static string? RequiredString(JsonElement item, string name, int maxLength, List<FieldError> errors)
    {
        if (!item.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add(new($"/{name}", "required"));
            return null;
        }
        return CheckString(value, name, maxLength, errors);
    }

    public static string? OptionalString(JsonElement item, string name, int maxLength, List<FieldError> errors) =>
        item.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? CheckString(value, name, maxLength, errors) : null;

    private static string? CheckString(JsonElement value, string name, int maxLength, List<FieldError> errors)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add(new($"/{name}", "must be a string"));
            return null;
        }
        var text = value.GetString()!;
        if (text.Length == 0) errors.Add(new($"/{name}", "must not be empty"));
        else if (text.Length > maxLength) errors.Add(new($"/{name}", $"must be at most {maxLength} characters"));
        else return text;
        return null;
    }
}
