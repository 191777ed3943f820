using System.Text;

namespace Contrail.Tests.Infrastructure;

public static class HttpExtensions
{
    public static Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json, CancellationToken ct = default) =>
        client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), ct);

    public static Task<HttpResponseMessage> PutJsonAsync(this HttpClient client, string path, string json, CancellationToken ct = default) =>
        client.PutAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), ct);

    public static async Task<JsonNode> JsonAsync(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) ?? throw new InvalidOperationException("empty body");
    }

    public static async Task<JsonNode?> GetJsonAsync(this HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        return response.StatusCode == HttpStatusCode.OK ? await response.JsonAsync() : null;
    }

    /// <summary>Asserts a problem+json answer with the status, and returns it.</summary>
    public static async Task<JsonNode> ProblemAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal((int)status, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        Assert.StartsWith("urn:contrail:problem:", (string?)problem["type"]);
        return problem;
    }

    /// <summary>The problem's errors as "pointer: detail" strings.</summary>
    public static List<string> Errors(this JsonNode problem) =>
        problem["errors"]!.AsArray().Select(e => $"{(string?)e!["pointer"]}: {(string?)e["detail"]}").ToList();
}
