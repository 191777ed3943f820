using System.Text.Json;
using System.Text.Json.Serialization;

namespace Contrail.Json;

/// <summary>JSON conventions: snake_case names in the public API and in stored documents.</summary>
public static class ContrailJson
{
    /// <summary>Options for the public API and stored documents: snake_case, nulls kept, enums as snake_case strings.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            NumberHandling = JsonNumberHandling.Strict,
            TypeInfoResolver = System.Text.Json.Serialization.Metadata.JsonTypeInfoResolver.Combine(ContrailJsonContext.Default, new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver()),
        };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
        options.MakeReadOnly();
        return options;
    }

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    public static T? Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, Options);

    public static string? SerializeHeaders(IReadOnlyDictionary<string, string>? headers) =>
        headers is null || headers.Count == 0 ? null : JsonSerializer.Serialize(headers, ContrailJsonContext.Default.IReadOnlyDictionaryStringString);

    public static IReadOnlyDictionary<string, string>? DeserializeHeaders(string? json) =>
        json is null ? null : JsonSerializer.Deserialize(json, ContrailJsonContext.Default.DictionaryStringString);
}

/// <summary>Source-generated metadata for the types on hot paths.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class ContrailJsonContext : JsonSerializerContext;
