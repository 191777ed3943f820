using System.Collections.Concurrent;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Contrail.Tests.Crash;

/// <summary>
/// The real server process (Contrail.TestHost: contrail with the crash-map state machine and its two functions) is
/// killed with SIGKILL while a Map runs, and restarted on the same data directory. The execution resumes from its last
/// committed steps and succeeds; every item's store effect (a transactional function) was applied exactly once, and
/// every item's outside call (an async function) happened at least once, always with the same idempotency key, a
/// second time only for calls in flight at the kill.
/// </summary>
public sealed class WorkflowCrashTests
{
    private const int Items = 40;
    private const int MaxConcurrency = 4;

    [Fact]
    public async Task Sigkill_during_a_Map_resumes_and_applies_every_item_effect_once()
    {
        var dataDir = TempDirectory.Create("workflow-crash");
        var apiKey = "crash-key-" + Guid.NewGuid().ToString("N");
        var calls = new ConcurrentDictionary<string, int>();
        var items = new ConcurrentDictionary<string, int>();
        await using var listener = await StartListenerAsync(calls, items);
        try
        {
            var input = new JsonObject
            {
                ["items"] = new JsonArray([.. Enumerable.Range(0, Items).Select(i => (JsonNode)i)]),
                ["webhook"] = listener.Url + "/call",
            };
            string executionId;
            await using (var server = await ContrailProcess.StartExecutableAsync(ContrailProcess.TestHostPath, dataDir, apiKey))
            {
                using var client = Client(server.Url, apiKey);
                using var start = await client.PostJsonAsync("/state-machines/crash-map/executions",
                    new JsonObject { ["name"] = "crash-1", ["input"] = input }.ToJsonString());
                Assert.Equal(HttpStatusCode.Created, start.StatusCode);
                executionId = (string)(await start.JsonAsync())["execution_id"]!;
                await Eventually.Until(() => calls.Count >= Items / 3, TimeSpan.FromSeconds(30), "a third of the items called before the kill");
                server.Kill();
            }
            var calledBeforeKill = calls.Count;
            Assert.True(calledBeforeKill < Items, $"the Map had finished ({calledBeforeKill} items) before the kill");

            await using var restarted = await ContrailProcess.StartExecutableAsync(ContrailProcess.TestHostPath, dataDir, apiKey);
            using var http = Client(restarted.Url, apiKey);
            var done = await Eventually.Until(() => http.GetJsonAsync($"/executions/{executionId}?wait_seconds=5"),
                e => (string?)e?["status"] != "RUNNING", TimeSpan.FromSeconds(60), "the execution to end after the restart");
            Assert.True((string?)done!["status"] == "SUCCEEDED", done.ToJsonString());

            // Exactly once in the store: each item's effect ran in the transaction that recorded its result.
            var output = done["output"]!.AsArray();
            Assert.Equal(Items, output.Count);
            for (var i = 0; i < Items; i++)
            {
                Assert.Equal(i, (int)output[i]!["item"]!);
                Assert.True((int)output[i]!["count"]! == 1, $"item {i}'s effect was applied {output[i]!["count"]} times");
            }

            // At least once outside: every item called, repeats only with the same key, at most the calls in flight at the kill.
            Assert.Equal(Items, calls.Count);
            Assert.Equal(Items, items.Count);
            var repeated = calls.Where(c => c.Value > 1).ToList();
            Assert.True(repeated.Count <= 2 * MaxConcurrency, $"{repeated.Count} items were called more than once: {string.Join(", ", repeated)}");
            Assert.All(calls.Keys, key => Assert.StartsWith(done["execution_arn"]!.GetValue<string>() + "|", key));
            TestContext.Current.TestOutputHelper?.WriteLine($"called before the kill: {calledBeforeKill}; called again after the restart: {repeated.Count}");

            // The history is whole: the Map's 40 iterations each started and succeeded once in the committed history.
            var history = await http.GetJsonAsync($"/executions/{executionId}/history?limit=1000");
            var events = history!["events"]!.AsArray();
            Assert.Equal(Items, events.Count(e => (string?)e!["type"] == "MapIterationSucceeded"));
            Assert.Equal(Items, events.Count(e => (string?)e!["type"] == "MapIterationStarted"));
            var ids = events.Select(e => (long)e!["id"]!).ToList();
            Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => (long)i), ids);
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }

    private static HttpClient Client(string url, string apiKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }

    /// <summary>The outside world the async function calls: counts calls per idempotency key, answering after a short delay.</summary>
    private static async Task<Listener> StartListenerAsync(ConcurrentDictionary<string, int> calls, ConcurrentDictionary<string, int> items)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/call", async (HttpRequest request) =>
        {
            var key = request.Headers["Idempotency-Key"].ToString();
            var body = await JsonNode.ParseAsync(request.Body);
            calls.AddOrUpdate(key, 1, (_, n) => n + 1);
            items.AddOrUpdate(((int)body!["item"]!).ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
            await Task.Delay(60);
            return Results.Ok();
        });
        await app.StartAsync();
        return new Listener(app);
    }

    private sealed class Listener(WebApplication app) : IAsyncDisposable
    {
        public string Url { get; } = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        public async ValueTask DisposeAsync()
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
