namespace Contrail.Tests.Infrastructure;

/// <summary>Short forms of the API calls the bus tests make over and over.</summary>
public static class BusClient
{
    /// <summary>PUT that must succeed (200 or 201); returns the body.</summary>
    public static async Task<JsonNode> PutOkAsync(this HttpClient client, string path, string json)
    {
        using var response = await client.PutJsonAsync(path, json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"PUT {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!;
    }

    /// <summary>POST that must succeed (2xx); returns the body, or null when there is none.</summary>
    public static async Task<JsonNode?> PostOkAsync(this HttpClient client, string path, string json)
    {
        using var response = await client.PostJsonAsync(path, json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {body}");
        return body.Length == 0 ? null : JsonNode.Parse(body);
    }

    public static Task CreateQueueAsync(this HttpClient client, string name, string attributes = "{}") => client.PutOkAsync($"/queues/{name}", attributes);

    /// <summary>Sends a native event; returns its id.</summary>
    public static async Task<string> PostEventAsync(this HttpClient client, string source, string detailType, string detail = "{}", string? extra = null)
    {
        using var response = await client.PostJsonAsync("/events", $$"""{"source":"{{source}}","detail-type":"{{detailType}}","detail":{{detail}}{{(extra is null ? "" : "," + extra)}}}""");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, body);
        return (string)JsonNode.Parse(body)!["event_id"]!;
    }

    /// <summary>The waiting messages of a queue (or of its dead-letter queue).</summary>
    public static async Task<List<JsonNode>> MessagesAsync(this HttpClient client, string queue, bool dlq = false) =>
        (await client.GetJsonAsync($"/queues/{queue}/messages?limit=1000{(dlq ? "&dlq=true" : "")}"))!["items"]!.AsArray().Select(m => m!).ToList();

    /// <summary>Waits until the queue holds <paramref name="count"/> waiting messages, and returns them.</summary>
    public static Task<List<JsonNode>> MessagesEventuallyAsync(this HttpClient client, string queue, int count, bool dlq = false) =>
        Eventually.Until(() => client.MessagesAsync(queue, dlq), m => m.Count >= count, because: $"{count} messages in {queue}{(dlq ? "'s DLQ" : "")}");
}
