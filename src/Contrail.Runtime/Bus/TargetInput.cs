using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Contrail.Events;

namespace Contrail.Bus;

/// <summary>
/// What a target receives, made once per matching event: the event itself, a constant (<c>input</c>), a part
/// of the event (<c>input_path</c>), or a template filled with values picked from it
/// (<c>input_transformer</c>), with EventBridge's semantics. Validated when the rule is written, so making
/// an input never fails.
/// </summary>
public abstract partial class TargetInput
{
    public const int MaxVariables = 100;
    public const int MaxTemplateLength = 8192;

    public const string RuleNameVariable = "aws.events.rule-name";
    public const string RuleArnVariable = "aws.events.rule-arn";
    public const string IngestionTimeVariable = "aws.events.event.ingestion-time";
    public const string EventVariable = "aws.events.event";
    public const string EventJsonVariable = "aws.events.event.json";

    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        RuleNameVariable, RuleArnVariable, IngestionTimeVariable, EventVariable, EventJsonVariable,
    };

    /// <summary>The event as it is: nothing to make.</summary>
    public static TargetInput WholeEvent { get; } = new WholeEventInput();

    /// <summary>Makes the input for one event. <paramref name="context"/> parses the event once for all targets.</summary>
    public abstract string Render(InputContext context, Rule rule);

    /// <summary>Every problem with a target's input settings, as pointers below <paramref name="pointer"/>.</summary>
    public static List<FieldError> Validate(RuleTarget target, string pointer)
    {
        var errors = new List<FieldError>();
        var set = (target.Input is not null ? 1 : 0) + (target.InputPath is not null ? 1 : 0) + (target.InputTransformer is not null ? 1 : 0);
        if (set > 1) errors.Add(new(pointer, "set at most one of input, input_path and input_transformer"));
        if (target.InputPath is not null && !InputPath.TryParse(target.InputPath, out _, out var problem))
            errors.Add(new(pointer + "/input_path", problem!));
        if (target.InputTransformer is { } transformer) Compile(transformer, pointer + "/input_transformer", errors);
        return errors;
    }

    /// <summary>Compiles a validated target's input.</summary>
    public static TargetInput Compile(RuleTarget target)
    {
        if (target.Input is { } constant) return new ConstantInput(constant.ToJsonString());
        if (target.InputPath is { } pathText)
        {
            if (!InputPath.TryParse(pathText, out var path, out var problem)) throw new ArgumentException($"input_path {problem}");
            return new PathInput(path!);
        }
        if (target.InputTransformer is { } transformer)
        {
            var errors = new List<FieldError>();
            var template = Compile(transformer, "", errors);
            if (errors.Count > 0) throw new ArgumentException(string.Join("; ", errors.Select(e => $"{e.Pointer}: {e.Detail}")));
            return template!;
        }
        return WholeEvent;
    }

    private static TemplateInput? Compile(InputTransformer transformer, string pointer, List<FieldError> errors)
    {
        var start = errors.Count;
        var variables = new Dictionary<string, InputPath>(StringComparer.Ordinal);
        var map = transformer.InputPathsMap ?? [];
        if (map.Count > MaxVariables) errors.Add(new(pointer + "/input_paths_map", $"has {map.Count} variables; at most {MaxVariables} are allowed"));
        foreach (var (name, pathText) in map)
        {
            var at = pointer + "/input_paths_map/" + NativeEventFormat.EscapePointer(name);
            if (!VariableName().IsMatch(name)) errors.Add(new(at, "a variable name is 1-256 letters, digits, '.', '-' or '_'"));
            else if (name.StartsWith("aws.", StringComparison.OrdinalIgnoreCase)) errors.Add(new(at, $"'{name}' is reserved: names starting with 'aws.' belong to predefined variables"));
            else if (!InputPath.TryParse(pathText, out var path, out var problem)) errors.Add(new(at, problem!));
            else variables[name] = path!;
        }

        var templatePointer = pointer + "/input_template";
        var text = transformer.InputTemplate;
        if (text is null)
        {
            errors.Add(new(templatePointer, "required"));
            return null;
        }
        if (text.Length > MaxTemplateLength) errors.Add(new(templatePointer, $"must be at most {MaxTemplateLength} characters"));

        // A template starting with {, [ or " is JSON: placeholders outside strings become JSON values and those
        // inside strings become text; any other template is plain text.
        var trimmed = text.TrimStart();
        var json = trimmed.Length > 0 && trimmed[0] is '{' or '[' or '"';
        var segments = new List<Segment>();
        var literal = new StringBuilder();
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (json && inString && c == '\\' && i + 1 < text.Length)
            {
                literal.Append(c).Append(text[++i]);
                continue;
            }
            if (json && c == '"') inString = !inString;
            if (c == '<' && Placeholder().Match(text, i) is { Success: true } match)
            {
                var name = match.Groups[1].Value;
                var known = variables.ContainsKey(name) || Reserved.Contains(name) || map.ContainsKey(name);
                var place = !json ? Place.Text : inString ? Place.InString : Place.Value;
                if (known)
                {
                    if (place == Place.Value && IsFollowedByColon(text, i + match.Length))
                        errors.Add(new(templatePointer, $"<{name}> is used as an object key; a placeholder can only be a value"));
                    if (place != Place.Value && name is EventVariable or EventJsonVariable)
                        errors.Add(new(templatePointer, $"<{name}> can only be used as the value of a JSON field, not inside a string"));
                    if (literal.Length > 0) segments.Add(new Segment(literal.ToString(), null, Place.Text));
                    literal.Clear();
                    segments.Add(new Segment(null, name, place));
                    i += match.Length - 1;
                    continue;
                }
                if (place == Place.Value)
                    errors.Add(new(templatePointer, $"<{name}> is not in input_paths_map nor a predefined variable"));
            }
            literal.Append(c);
        }
        if (literal.Length > 0) segments.Add(new Segment(literal.ToString(), null, Place.Text));

        var template = new TemplateInput(segments.ToArray(), variables);
        if (json && errors.Count == start)
        {
            // Filled with stand-in values, a JSON template must be JSON.
            try
            {
                using var _ = JsonDocument.Parse(template.RenderWith(static s => s.Place == Place.Value ? "null" : "x"));
            }
            catch (JsonException ex)
            {
                errors.Add(new(templatePointer, $"is not valid JSON once its placeholders are filled: {ex.Message.Split(" Path:")[0]}"));
            }
        }
        return errors.Count == start ? template : null;
    }

    private static bool IsFollowedByColon(string text, int index)
    {
        while (index < text.Length && char.IsWhiteSpace(text[index])) index++;
        return index < text.Length && text[index] == ':';
    }

    [GeneratedRegex(@"\G<([A-Za-z0-9_.\-]{1,256})>")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^[A-Za-z0-9_.\-]{1,256}$")]
    private static partial Regex VariableName();

    private enum Place
    {
        /// <summary>Plain text template: values go in as text.</summary>
        Text,
        /// <summary>Outside strings in a JSON template: values go in as JSON (strings get quotes).</summary>
        Value,
        /// <summary>Inside a string of a JSON template: values go in as escaped text.</summary>
        InString,
    }

    private readonly record struct Segment(string? Literal, string? Variable, Place Place);

    private sealed class WholeEventInput : TargetInput
    {
        public override string Render(InputContext context, Rule rule) => context.EventJson;
    }

    private sealed class ConstantInput(string json) : TargetInput
    {
        public override string Render(InputContext context, Rule rule) => json;
    }

    private sealed class PathInput(InputPath path) : TargetInput
    {
        // EventBridge sends nothing useful for a path the event lacks; JSON null says so plainly.
        public override string Render(InputContext context, Rule rule) => path.SelectJson(context.Root) ?? "null";
    }

    private sealed class TemplateInput(Segment[] segments, Dictionary<string, InputPath> variables) : TargetInput
    {
        private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

        public override string Render(InputContext context, Rule rule) => RenderWith(segment =>
        {
            var (text, isString) = Value(segment.Variable!, context, rule);
            return segment.Place switch
            {
                Place.Value => text is null ? "null" : isString ? "\"" + JsonEncodedText.Encode(text, Encoder) + "\"" : text,
                Place.InString => text is null ? "" : isString ? JsonEncodedText.Encode(text, Encoder).ToString()
                    // EventBridge drops the quotes of an object or array put inside a string, so the string stays valid.
                    : text.Length > 0 && text[0] is '{' or '[' ? text.Replace("\"", "") : text,
                _ => text ?? "",
            };
        });

        public string RenderWith(Func<Segment, string> fill)
        {
            var output = new StringBuilder();
            foreach (var segment in segments)
                output.Append(segment.Literal ?? fill(segment));
            return output.ToString();
        }

        /// <summary>A variable's value: a string's text, or other JSON's text; null when the event has none.</summary>
        private (string? Text, bool IsString) Value(string name, InputContext context, Rule rule)
        {
            switch (name)
            {
                case RuleNameVariable: return (rule.Name, true);
                case RuleArnVariable: return (RuleArn(context.Event, rule.Name), true);
                case IngestionTimeVariable: return (EventEnvelope.FormatTime(context.IngestionTime), true);
                case EventVariable: return (context.EventWithoutDetail(), false);
                case EventJsonVariable: return (context.EventJson, false);
            }
            if (!variables.TryGetValue(name, out var path)) return (null, false);
            if (path.TrySelectOne(context.Root, out var value))
                return value.ValueKind == JsonValueKind.String ? (value.GetString(), true) : (value.GetRawText(), false);
            return (path.SelectJson(context.Root) is { } many && many != "[]" ? many : null, false);
        }
    }

    /// <summary>A rule's ARN in EventBridge's shape, for templates that expect one.</summary>
    public static string RuleArn(EventEnvelope envelope, string ruleName) => $"arn:contrail:events:{envelope.Region}:{envelope.Account}:rule/{ruleName}";
}

/// <summary>One event as the inputs of its targets see it; parsed at most once, whatever the number of targets.</summary>
public sealed class InputContext(EventEnvelope envelope, string eventJson, DateTimeOffset ingestionTime) : IDisposable
{
    private JsonDocument? _document;
    private string? _withoutDetail;

    public EventEnvelope Event => envelope;
    public string EventJson => eventJson;
    public DateTimeOffset IngestionTime => ingestionTime;

    public JsonElement Root => (_document ??= JsonDocument.Parse(eventJson)).RootElement;

    /// <summary>The event without its detail: EventBridge's <c>aws.events.event</c>.</summary>
    public string EventWithoutDetail()
    {
        if (_withoutDetail is not null) return _withoutDetail;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in Root.EnumerateObject())
                if (property.Name != "detail") property.WriteTo(writer);
            writer.WriteEndObject();
        }
        return _withoutDetail = Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public void Dispose() => _document?.Dispose();
}
