using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Contrail.Events;

namespace Contrail.Destinations;

/// <summary>
/// A compiled <see cref="RequestTemplateDefinition"/>: renders the request body for one delivery. Paths are
/// <c>$</c> (the whole delivery body), <c>$.a.b</c> and <c>$.a[0]</c>; they are parsed once, here, so a bad
/// path is refused when the destination is written.
/// </summary>
public sealed partial class RequestTemplate
{
    private readonly bool _graphQL;
    private readonly string? _query;
    private readonly string? _operationName;
    private readonly JsonNode? _node;
    private readonly Dictionary<string, PathSegment[]> _paths;

    private RequestTemplate(bool graphQL, string? query, string? operationName, JsonNode? node, Dictionary<string, PathSegment[]> paths)
    {
        _graphQL = graphQL;
        _query = query;
        _operationName = operationName;
        _node = node;
        _paths = paths;
    }

    public bool IsGraphQL => _graphQL;

    /// <summary>Compiles a template; on problems, adds them (pointers under <c>/template</c>) and returns null.</summary>
    public static RequestTemplate? Compile(RequestTemplateDefinition definition, List<FieldError> problems)
    {
        var before = problems.Count;
        var paths = new Dictionary<string, PathSegment[]>(StringComparer.Ordinal);
        var graphQL = definition.Type == RequestTemplateDefinition.GraphQL;
        JsonNode? node = null;
        if (definition.Type == RequestTemplateDefinition.Json)
        {
            if (definition.Body is null) problems.Add(new("/template/body", "required for type 'json': the JSON to send, with {{$.path}} placeholders"));
            if (definition.Query is not null || definition.Variables is not null || definition.OperationName is not null)
                problems.Add(new("/template", "query, variables and operation_name are for type 'graphql'"));
            node = definition.Body;
            Collect(node, "/template/body", paths, problems);
        }
        else if (graphQL)
        {
            if (string.IsNullOrWhiteSpace(definition.Query))
                problems.Add(new("/template/query", "required for type 'graphql': the query or mutation document"));
            if (definition.Body is not null) problems.Add(new("/template/body", "is for type 'json'; a GraphQL request sends query and variables"));
            if (definition.Variables is not null and not JsonObject && !IsPlaceholderOnly(definition.Variables))
                problems.Add(new("/template/variables", "must be an object, or a placeholder such as \"{{$.detail}}\""));
            node = definition.Variables;
            Collect(node, "/template/variables", paths, problems);
        }
        else
        {
            problems.Add(new("/template/type", "must be 'json' or 'graphql'"));
        }
        return problems.Count > before ? null : new RequestTemplate(graphQL, definition.Query, definition.OperationName, node?.DeepClone(), paths);
    }

    /// <summary>The request body for a delivery whose body is <paramref name="deliveryBody"/> (JSON, or else taken as a string).</summary>
    public byte[] Render(string deliveryBody)
    {
        JsonNode? input;
        try { input = JsonNode.Parse(deliveryBody); }
        catch (JsonException) { input = JsonValue.Create(deliveryBody); }

        var buffer = new ArrayBufferWriter<byte>(deliveryBody.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (_graphQL)
            {
                writer.WriteStartObject();
                writer.WriteString("query", _query);
                if (_operationName is not null) writer.WriteString("operationName", _operationName);
                writer.WritePropertyName("variables");
                if (_node is null) { writer.WriteStartObject(); writer.WriteEndObject(); }
                else Write(writer, _node, input);
                writer.WriteEndObject();
            }
            else
            {
                Write(writer, _node, input);
            }
        }
        return buffer.WrittenSpan.ToArray();
    }

    private void Write(Utf8JsonWriter writer, JsonNode? node, JsonNode? input)
    {
        switch (node)
        {
            case null:
                writer.WriteNullValue();
                break;
            case JsonObject obj:
                writer.WriteStartObject();
                foreach (var (name, value) in obj)
                {
                    writer.WritePropertyName(name);
                    Write(writer, value, input);
                }
                writer.WriteEndObject();
                break;
            case JsonArray array:
                writer.WriteStartArray();
                foreach (var item in array) Write(writer, item, input);
                writer.WriteEndArray();
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                var whole = WholePlaceholder().Match(text);
                if (whole.Success)
                {
                    var found = Resolve(input, _paths[whole.Groups[1].Value]);
                    if (found is null) writer.WriteNullValue();
                    else found.WriteTo(writer);
                }
                else if (text.Contains("{{", StringComparison.Ordinal))
                    writer.WriteStringValue(Placeholder().Replace(text, m => TextOf(Resolve(input, _paths[m.Groups[1].Value]))));
                else
                    writer.WriteStringValue(text);
                break;
            default:
                node.WriteTo(writer);
                break;
        }
    }

    private static string TextOf(JsonNode? node) => node switch
    {
        null => "",
        JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
        _ => node.ToJsonString(),
    };

    private static JsonNode? Resolve(JsonNode? input, PathSegment[] path)
    {
        var current = input;
        foreach (var segment in path)
        {
            current = segment.Name is { } name
                ? current is JsonObject obj && obj.TryGetPropertyValue(name, out var child) ? child : null
                : current is JsonArray array && segment.Index < array.Count ? array[segment.Index] : null;
            if (current is null) return null;
        }
        return current;
    }

    private static bool IsPlaceholderOnly(JsonNode node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.String && WholePlaceholder().IsMatch(value.GetValue<string>());

    /// <summary>Finds every placeholder under <paramref name="node"/> and parses its path once.</summary>
    private static void Collect(JsonNode? node, string pointer, Dictionary<string, PathSegment[]> paths, List<FieldError> problems)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (name, value) in obj) Collect(value, pointer + "/" + name.Replace("~", "~0").Replace("/", "~1"), paths, problems);
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) Collect(array[i], pointer + "/" + i, paths, problems);
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                var text = value.GetValue<string>();
                foreach (Match match in Placeholder().Matches(text))
                {
                    var expression = match.Groups[1].Value;
                    if (paths.ContainsKey(expression)) continue;
                    if (TryParsePath(expression, out var path)) paths[expression] = path;
                    else problems.Add(new(pointer, $"'{match.Value}' is not a path such as {{{{$}}}}, {{{{$.detail.id}}}} or {{{{$.resources[0]}}}}"));
                }
                var stray = Placeholder().Replace(text, "");
                if (stray.Contains("{{", StringComparison.Ordinal) || stray.Contains("}}", StringComparison.Ordinal))
                    problems.Add(new(pointer, "has an unclosed or empty {{ }} placeholder"));
                break;
        }
    }

    private static bool TryParsePath(string expression, out PathSegment[] path)
    {
        path = [];
        if (expression.Length == 0 || expression[0] != '$') return false;
        var segments = new List<PathSegment>();
        var i = 1;
        while (i < expression.Length)
        {
            if (expression[i] == '.')
            {
                var start = ++i;
                while (i < expression.Length && expression[i] is not ('.' or '[')) i++;
                if (i == start) return false;
                segments.Add(new PathSegment(expression[start..i], 0));
            }
            else if (expression[i] == '[')
            {
                var close = expression.IndexOf(']', i);
                if (close < 0 || !int.TryParse(expression.AsSpan(i + 1, close - i - 1), System.Globalization.NumberStyles.None, null, out var index)) return false;
                segments.Add(new PathSegment(null, index));
                i = close + 1;
            }
            else return false;
        }
        path = [.. segments];
        return true;
    }

    private readonly record struct PathSegment(string? Name, int Index);

    /// <summary>A placeholder: <c>{{</c>, a path without braces or spaces, <c>}}</c> (spaces around the path allowed).</summary>
    [GeneratedRegex(@"\{\{\s*([^{}\s]+)\s*\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^\{\{\s*([^{}\s]+)\s*\}\}$")]
    private static partial Regex WholePlaceholder();
}
