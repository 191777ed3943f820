namespace Contrail.Tests.Workflows;

/// <summary>Calls the workflow API the way a client does, asserting the status codes a successful call answers with.</summary>
internal static class WorkflowTestClient
{
    public static async Task PutMachineAsync(this HttpClient client, string name, string definition)
    {
        using var response = await client.PutJsonAsync($"/state-machines/{name}", new JsonObject { ["definition"] = JsonNode.Parse(definition) }.ToJsonString());
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    public static async Task<string> StartAsync(this HttpClient client, string machine, JsonNode? input = null, string? name = null)
    {
        var body = new JsonObject { ["input"] = input?.DeepClone() ?? new JsonObject() };
        if (name is not null) body["name"] = name;
        using var response = await client.PostJsonAsync($"/state-machines/{machine}/executions", body.ToJsonString());
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (string)(await response.JsonAsync())["execution_id"]!;
    }

    /// <summary>The execution once it is no longer RUNNING.</summary>
    public static Task<JsonNode?> EndedAsync(this HttpClient client, string id, TimeSpan? timeout = null) =>
        Eventually.Until(() => client.GetJsonAsync($"/executions/{Uri.EscapeDataString(id)}?wait_seconds=2"),
            e => e is not null && (string?)e["status"] != "RUNNING", timeout ?? TimeSpan.FromSeconds(30), $"execution {id} to end");

    public static async Task<JsonNode> RunAsync(this HttpClient client, string machine, JsonNode? input = null, string expectStatus = "SUCCEEDED")
    {
        var ended = await client.EndedAsync(await client.StartAsync(machine, input));
        Assert.True((string?)ended!["status"] == expectStatus, ended.ToJsonString());
        return ended;
    }

    public static async Task<List<JsonNode>> HistoryAsync(this HttpClient client, string id)
    {
        var history = await client.GetJsonAsync($"/executions/{Uri.EscapeDataString(id)}/history?limit=1000");
        return history!["events"]!.AsArray().Select(e => e!).ToList();
    }
}
