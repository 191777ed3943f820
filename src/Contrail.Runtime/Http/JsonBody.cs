using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Contrail.Http;

/// <summary>Reads a JSON request body with a size limit: 413 past the limit, 400 for malformed JSON, never 500.</summary>
public static partial class JsonBody
{
    public const long DefaultLimit = 1 << 20;

    /// <summary>The parsed document, or the problem to answer. The caller disposes the document.</summary>
    public static async Task<(JsonDocument? Document, IResult? Problem)> ReadAsync(HttpRequest request, long limit, CancellationToken ct)
    {
        if (request.ContentLength > limit) return (null, Problems.TooLarge(limit));
        var reader = request.BodyReader;
        while (true)
        {
            ReadResult result;
            try { result = await reader.ReadAsync(ct).ConfigureAwait(false); }
            catch (Microsoft.AspNetCore.Connections.ConnectionResetException) { return (null, Problems.MalformedJson("the connection closed before the body was complete")); }
            var buffer = result.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.End);
                return (null, Problems.TooLarge(limit));
            }
            if (!result.IsCompleted)
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            try
            {
                if (buffer.Length == 0) return (null, Problems.MalformedJson("the body is empty; send a JSON object"));
                // ParseValue copies what it reads. JsonDocument.Parse(sequence) would keep pointing at the pipe's
                // buffer, which goes back to the pool below and is reused by other requests.
                var json = new Utf8JsonReader(buffer, new JsonReaderOptions { MaxDepth = 64 });
                var document = JsonDocument.ParseValue(ref json);
                if (json.Read())
                {
                    document.Dispose();
                    return (null, Problems.MalformedJson($"unexpected content after the JSON value at byte {json.TokenStartIndex}"));
                }
                return (document, null);
            }
            catch (JsonException ex)
            {
                return (null, Problems.MalformedJson(ex.Message));
            }
            finally
            {
                reader.AdvanceTo(buffer.End);
            }
        }
    }

    /// <summary>Reads and deserialises a body into <typeparamref name="T"/> with the API's JSON conventions.</summary>
    public static async Task<(T? Value, IResult? Problem)> ReadAsync<T>(HttpRequest request, CancellationToken ct) where T : class
    {
        var (document, problem) = await ReadAsync(request, DefaultLimit, ct).ConfigureAwait(false);
        if (document is null) return (null, problem);
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) return (null, Problems.Validation("", "the body must be a JSON object"));
            try
            {
                var value = document.RootElement.Deserialize<T>(Json.ContrailJson.Options);
                return value is null ? (null, Problems.Validation("", "the body must be a JSON object")) : (value, null);
            }
            catch (JsonException ex)
            {
                var (pointer, detail) = Describe(ex);
                return (null, Problems.Validation(pointer, detail));
            }
        }
    }

    /// <summary>
    /// Where a deserialisation failed, as a JSON pointer (<c>$.targets[0].id</c> becomes <c>/targets/0/id</c>),
    /// and what is wrong, in words that name no .NET type.
    /// </summary>
    public static (string Pointer, string Detail) Describe(JsonException ex)
    {
        var pointer = new System.Text.StringBuilder();
        foreach (System.Text.RegularExpressions.Match step in PathStep().Matches(ex.Path ?? ""))
        {
            var name = step.Groups["name"].Success ? step.Groups["name"].Value : step.Groups["quoted"].Success ? step.Groups["quoted"].Value : step.Groups["index"].Value;
            pointer.Append('/').Append(name.Replace("~", "~0").Replace("/", "~1"));
        }
        var message = ex.Message.Split(" Path:")[0];
        var missing = message.IndexOf("missing required properties including: ", StringComparison.Ordinal);
        var detail = missing >= 0 ? "required: " + message[(missing + "missing required properties including: ".Length)..].TrimEnd('.')
            : message.StartsWith("The JSON value could not be converted to", StringComparison.Ordinal) ? "has the wrong type for this field"
            : message;
        return (pointer.ToString(), detail);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"\.(?<name>[^.\[]+)|\['(?<quoted>[^']*)'\]|\[(?<index>\d+)\]")]
    private static partial System.Text.RegularExpressions.Regex PathStep();
}
