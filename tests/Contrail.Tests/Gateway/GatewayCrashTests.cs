using Microsoft.Data.Sqlite;

namespace Contrail.Tests.Gateway;

/// <summary>
/// The real process, killed after the GraphQL target applied a delivery and answered, but before Contrail
/// could commit that it did: after a restart the delivery is sent again with the same Idempotency-Key
/// (at-least-once across a crash, with the key the target needs to drop the repeat), and then never again.
/// </summary>
public sealed class GatewayCrashTests
{
    private const string Token = "crash-token-5b2e-never-logged";

    [Fact]
    public async Task Killed_between_the_targets_answer_and_the_commit_the_delivery_is_resent_with_the_same_key()
    {
        var dataDir = TempDirectory.Create("gateway-crash");
        var apiKey = "crash-key-" + Guid.NewGuid().ToString("N");
        await using var target = await GraphQLTarget.StartAsync(TestContext.Current.CancellationToken);
        var environment = new Dictionary<string, string>
        {
            ["CONTRAIL__GATEWAY__ENDPOINT"] = target.Url,
            ["CONTRAIL__GATEWAY__TOKEN"] = Token,
            ["CONTRAIL__GATEWAY__BRAND"] = "crash",
            ["CONTRAIL__LOGGING__LOGLEVEL__DEFAULT"] = "Information",
        };
        SqliteConnection? writeLock = null;
        var answered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = true;
        target.Script = request =>
        {
            if (request.InputId != "crash-1" || !Interlocked.Exchange(ref first, false)) return Task.FromResult<TargetAnswer?>(null);
            // Take SQLite's write lock before answering: the server gets the whole answer but cannot commit
            // what it learnt from it, so the kill lands between the answer and the commit every time.
            writeLock = new SqliteConnection($"Data Source={Path.Combine(dataDir, "contrail.db")};Pooling=False");
            writeLock.Open();
            using (var begin = writeLock.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                begin.ExecuteNonQuery();
            }
            return Task.FromResult<TargetAnswer?>(TargetAnswer.Ok("""{"data":{"sendEvent":{"id":"crash-1","status":"RECEIVED"}}}""") with { Then = () => answered.TrySetResult() });
        };
        try
        {
            string output;
            await using (var server = await ContrailProcess.StartAsync(dataDir, apiKey, environment))
            {
                using var client = Client(server.Url, apiKey);
                using (var response = await client.PostJsonAsync("/gateway/events",
                           """{"id":"crash-1","name":"n","body":"b","timestamp":"2025-01-15T08:00:00Z"}"""))
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                await answered.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
                server.Kill();
                output = server.Output;
            }
            writeLock!.Dispose();
            Assert.Single(target.Requests);

            await using var restarted = await ContrailProcess.StartAsync(dataDir, apiKey, environment);
            using var http = Client(restarted.Url, apiKey);
            var requests = await Eventually.Until(() => Task.FromResult(target.Requests.ToList()), r => r.Count(x => x.Accepted) == 2,
                TimeSpan.FromSeconds(60), "the resend after the restart");
            Assert.Equal(["crash-1", "crash-1"], requests.Select(r => r.IdempotencyKey));
            Assert.Equal(requests[0].Body, requests[1].Body);

            // Once the resend is committed as delivered, it is not sent a third time.
            await Eventually.Until(() => http.GetJsonAsync("/destinations/gateway"),
                d => (int)d!["health"]!["depth"]! + (int)d["health"]!["in_flight"]! + (int)d["health"]!["delayed"]! == 0, TimeSpan.FromSeconds(30), "the queue empties");
            Assert.Equal(2, target.Requests.Count);

            // The real process's logs (JSON on stdout) name the delivery and never the token.
            output += "\n" + restarted.Output;
            Assert.Contains("Delivered crash-1", output);
            Assert.DoesNotContain(Token, output);
        }
        finally
        {
            writeLock?.Dispose();
            TempDirectory.Delete(dataDir);
        }
    }

    private static HttpClient Client(string url, string apiKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(20) };
        client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return client;
    }
}
