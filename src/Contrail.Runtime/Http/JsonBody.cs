using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Contrail.Http;

/// <summary>Reads a JSON request body with a size limit: 413 past the limit, 400 for malformed JSON, never 500.</summary>
public static class JsonBody
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
                var pointer = ex.Path is { Length: > 1 } path ? "/" + path[2..].Replace('.', '/') : "";
                return (null, Problems.Validation(pointer, ex.Message.Split(" Path:")[0]));
            }
        }
    }
}
