namespace Contrail.Tests.Operations;

public sealed class TracingTests
{
    [Fact]
    public async Task A_client_trace_id_is_stored_with_the_event_and_continued_in_the_handler_log_line()
    {
        var dataDir = TempDirectory.Create("trace");
        try
        {
            await using var server = await ContrailProcess.StartAsync(dataDir, "trace-key",
                new Dictionary<string, string> { ["CONTRAIL__LOGGING__LOGLEVEL__CONTRAIL.APPLICATIONS.FLIGHTS.WORKER"] = "Information" });
            using var client = new HttpClient { BaseAddress = new Uri(server.Url) };
            client.DefaultRequestHeaders.Add("X-Api-Key", "trace-key");
            const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
            using var request = new HttpRequestMessage(HttpMethod.Post, "/events")
            {
                Content = new StringContent("""{"type":"flight.updated","data":{"flightId":"TR1","gate":"B9"}}""", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
            using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var eventId = (string)(await response.JsonAsync())["event_id"]!;

            var stored = await client.GetJsonAsync($"/events/{eventId}");
            Assert.StartsWith($"00-{traceId}-", (string?)stored!["event"]!["traceparent"]);

            var line = await Eventually.Until(() => Task.FromResult(server.Lines.FirstOrDefault(l => l.Contains("Contrail.Applications.Flights.Worker"))),
                l => l is not null, because: "the worker's log line");
            TestContext.Current.TestOutputHelper?.WriteLine(line!);
            var log = JsonNode.Parse(line!)!;
            Assert.Equal("Information", (string?)log["LogLevel"]);
            Assert.Contains(eventId, (string?)log["Message"]);
            var scopes = log["Scopes"]!.AsArray().Select(s => s!.ToJsonString()).ToList();
            Assert.Contains(scopes, s => s.Contains($"\"TraceId\":\"{traceId}\""));
            Assert.Contains(scopes, s => s.Contains($"\"event_id\":\"{eventId}\""));
        }
        finally
        {
            TempDirectory.Delete(dataDir);
        }
    }
}
