using System.Text.Json;

namespace Contrail.Patterns;

/// <summary>Compiles event patterns (interim: exact values, nested objects and value lists).</summary>
public static class PatternCompiler
{
    public static CompiledPattern Compile(string patternJson)
    {
        JsonDocument document;
        try { document = JsonDocument.Parse(patternJson); }
        catch (JsonException ex) { throw new InvalidPatternException("Event pattern is not valid. Reason: " + ex.Message); }
        return Compile(document.RootElement);
    }

    public static CompiledPattern Compile(JsonElement pattern)
    {
        if (pattern.ValueKind != JsonValueKind.Object)
            throw new InvalidPatternException("Event pattern is not valid. Reason: Filter is not an object");
        Check(pattern, "");
        return new CompiledPattern(pattern.GetRawText(), pattern.Clone());
    }

    public static bool TryCompile(string patternJson, out CompiledPattern? pattern, out InvalidPatternException? error)
    {
        try
        {
            pattern = Compile(patternJson);
            error = null;
            return true;
        }
        catch (InvalidPatternException ex)
        {
            pattern = null;
            error = ex;
            return false;
        }
    }

    private static void Check(JsonElement node, string pointer)
    {
        foreach (var property in node.EnumerateObject())
        {
            var at = pointer + "/" + property.Name;
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Object: Check(property.Value, at); break;
                case JsonValueKind.Array:
                    foreach (var value in property.Value.EnumerateArray())
                        if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                            throw new InvalidPatternException($"Event pattern is not valid. Reason: only exact values are supported at \"{property.Name}\"", at);
                    break;
                default:
                    throw new InvalidPatternException($"Event pattern is not valid. Reason: \"{property.Name}\" must be an object or an array", at);
            }
        }
    }
}

internal static class ExactMatching
{
    public static bool Matches(JsonElement pattern, JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object) return false;
        foreach (var property in pattern.EnumerateObject())
        {
            if (!json.TryGetProperty(property.Name, out var value)) return false;
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                if (!AnyElement(value, v => Matches(property.Value, v))) return false;
            }
            else if (!AnyElement(value, v => property.Value.EnumerateArray().Any(p => Same(p, v)))) return false;
        }
        return true;
    }

    private static bool AnyElement(JsonElement value, Func<JsonElement, bool> test) =>
        value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Any(test) : test(value);

    private static bool Same(JsonElement a, JsonElement b) => a.ValueKind == b.ValueKind && a.ValueKind switch
    {
        JsonValueKind.String => a.GetString() == b.GetString(),
        JsonValueKind.Number => a.GetDouble() == b.GetDouble(),
        _ => true,
    };
}
