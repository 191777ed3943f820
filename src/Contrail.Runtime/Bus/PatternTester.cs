using System.Text.Json;
using Contrail.Events;
using Contrail.Patterns;

namespace Contrail.Bus;

/// <summary>
/// AWS's TestEventPattern: whether a pattern matches an event, each given as a JSON object or as a string
/// holding one. Shared by <c>POST /rules/test-pattern</c> and <c>contrail rules test</c>.
/// </summary>
public static class PatternTester
{
    /// <summary>The answer, or null with the problems (pointers <c>/event_pattern...</c> and <c>/event</c>).</summary>
    public static bool? Test(JsonElement pattern, JsonElement @event, out List<FieldError> errors)
    {
        errors = [];
        var patternText = RuleValidation.PatternText(pattern, "/event_pattern", errors);
        var eventText = RuleValidation.PatternText(@event, "/event", errors);
        if (errors.Count > 0) return null;

        CompiledPattern? compiled = null;
        if (!PatternCompiler.TryCompile(patternText!, out compiled, out var invalid))
            errors.Add(new("/event_pattern" + invalid.Pointer, invalid.Message));
        JsonDocument? document = null;
        try
        {
            document = JsonDocument.Parse(eventText!);
            if (document.RootElement.ValueKind != JsonValueKind.Object) errors.Add(new("/event", "must be a JSON object, or a string holding one"));
        }
        catch (JsonException ex)
        {
            errors.Add(new("/event", "is not valid JSON: " + ex.Message.Split(" Path:")[0]));
        }
        using (document)
            return errors.Count > 0 ? null : compiled!.Matches(document!.RootElement);
    }

    /// <summary>The same, from JSON texts (as the command line reads them).</summary>
    public static bool? Test(string patternJson, string eventJson, out List<FieldError> errors)
    {
        errors = [];
        var pattern = Parse(patternJson, "/event_pattern", errors);
        var evt = Parse(eventJson, "/event", errors);
        if (errors.Count > 0) return null;
        return Test(pattern, evt, out errors);
    }

    private static JsonElement Parse(string json, string pointer, List<FieldError> errors)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            // A pattern that is not JSON gets EventBridge's own wording for the syntax error.
            errors.Add(pointer == "/event_pattern" && !PatternCompiler.TryCompile(json, out _, out var invalid)
                ? new(pointer, invalid.Message)
                : new(pointer, "is not valid JSON: " + ex.Message.Split(" Path:")[0]));
            return default;
        }
    }
}
