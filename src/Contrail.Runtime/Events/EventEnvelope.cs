using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Contrail.Events;

/// <summary>
/// An event as the bus carries it: EventBridge's envelope (<c>version, id, detail-type, source, account,
/// time, region, resources, detail</c>) plus <c>subject</c>, the W3C <c>traceparent</c> and, for a
/// replayed event, <c>replay-name</c>. Immutable once accepted.
/// </summary>
public sealed record EventEnvelope
{
    public string Version { get; init; } = "0";
    public required string Id { get; init; }
    public required string DetailType { get; init; }
    public required string Source { get; init; }
    public string Account { get; init; } = DefaultAccount;
    public required DateTimeOffset Time { get; init; }
    public string Region { get; init; } = DefaultRegion;
    public IReadOnlyList<string> Resources { get; init; } = [];
    public JsonObject Detail { get; init; } = [];
    public string? Subject { get; init; }
    public string? Traceparent { get; init; }
    public string? ReplayName { get; init; }

    public const string DefaultAccount = "000000000000";
    public const string DefaultRegion = "local";

    /// <summary>The envelope as UTF-8 JSON, in EventBridge's field order and names.</summary>
    public byte[] ToUtf8Json()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("version", Version);
            writer.WriteString("id", Id);
            writer.WriteString("detail-type", DetailType);
            writer.WriteString("source", Source);
            writer.WriteString("account", Account);
            writer.WriteString("time", FormatTime(Time));
            writer.WriteString("region", Region);
            writer.WriteStartArray("resources");
            foreach (var resource in Resources) writer.WriteStringValue(resource);
            writer.WriteEndArray();
            writer.WritePropertyName("detail");
            Detail.WriteTo(writer);
            if (Subject is not null) writer.WriteString("subject", Subject);
            if (Traceparent is not null) writer.WriteString("traceparent", Traceparent);
            if (ReplayName is not null) writer.WriteString("replay-name", ReplayName);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public string ToJson() => System.Text.Encoding.UTF8.GetString(ToUtf8Json());

    /// <summary>
    /// UTC, as EventBridge writes it (<c>2024-01-01T00:00:00Z</c>); milliseconds are kept when there are any,
    /// because the event time orders updates and a client may send a finer time than a second.
    /// </summary>
    public static string FormatTime(DateTimeOffset time) => time.UtcDateTime.ToString(
        time.Millisecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads an envelope this class wrote.</summary>
    public static EventEnvelope Parse(string json)
    {
        var node = JsonNode.Parse(json)!.AsObject();
        return new EventEnvelope
        {
            Version = (string?)node["version"] ?? "0",
            Id = (string)node["id"]!,
            DetailType = (string)node["detail-type"]!,
            Source = (string)node["source"]!,
            Account = (string?)node["account"] ?? DefaultAccount,
            Time = DateTimeOffset.Parse((string)node["time"]!, System.Globalization.CultureInfo.InvariantCulture),
            Region = (string?)node["region"] ?? DefaultRegion,
            Resources = node["resources"] is JsonArray resources ? resources.Select(r => (string)r!).ToList() : [],
            Detail = node["detail"] is JsonObject detail ? (JsonObject)detail.DeepClone() : [],
            Subject = (string?)node["subject"],
            Traceparent = (string?)node["traceparent"],
            ReplayName = (string?)node["replay-name"],
        };
    }
}
