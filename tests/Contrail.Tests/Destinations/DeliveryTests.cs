using System.Net.Sockets;
using Contrail.Bus;
using Contrail.Destinations;
using Contrail.Hosting;

namespace Contrail.Tests.Destinations;

/// <summary>
/// Deliveries through a rule target to a real GraphQL server on loopback that answers as scripted:
/// retries, Retry-After, dead letters with reasons, the rate limit in every window, concurrency, timeouts,
/// idempotency keys, and no duplicates.
/// </summary>
public sealed class DeliveryTests : IAsyncLifetime
{
    private const string Rule = "to-hook";
    private const string GraphQLTemplate =
        """{"type":"graphql","query":"mutation SendEvent($input: EventInput!) { sendEvent(input: $input) { id status } }","variables":{"input":"{{$.detail}}"}}""";

    private GraphQLTarget _target = null!;
    private TestServer _server = null!;

    public async ValueTask InitializeAsync()
    {
        _target = await GraphQLTarget.StartAsync(TestContext.Current.CancellationToken);
        _server = await TestServer.StartAsync(services: s => s.AddRule(new Rule
        {
            Name = Rule,
            EventPattern = new JsonObject { ["source"] = new JsonArray("tests.delivery") },
            Targets = [new RuleTarget { Id = "hook", Type = DestinationTargets.Type, Name = "hook" }],
        }));
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _target.DisposeAsync();
    }

    private async Task CreateDestinationAsync(string settings, string? url = null)
    {
        var definition = JsonNode.Parse(settings)!.AsObject();
        definition["url"] = url ?? _target.Url;
        using var response = await _server.Client.PutJsonAsync("/destinations/hook", definition.ToJsonString());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>Posts an event the rule routes to the destination; returns the event id.</summary>
    private async Task<string> PostEventAsync(string id, JsonObject? detail = null)
    {
        var body = new JsonObject { ["id"] = id, ["source"] = "tests.delivery", ["detail-type"] = "t", ["detail"] = detail ?? new JsonObject { ["id"] = id } };
        using var response = await _server.Client.PostJsonAsync("/events", body.ToJsonString());
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (string)(await response.JsonAsync())["event_id"]!;
    }

    private static string KeyOf(string eventId) => DestinationTargets.DeliveryId(eventId, Rule, "hook");

    private Task<List<TargetRequest>> RequestsUntil(Func<List<TargetRequest>, bool> done, string because, int seconds = 30) =>
        Eventually.Until(() => Task.FromResult(_target.Requests.ToList()), done, TimeSpan.FromSeconds(seconds), because);

    private Task<JsonNode?> EventStatusUntil(string eventId, string status) =>
        Eventually.Until(() => _server.Client.GetJsonAsync($"/events/{eventId}"), e => (string?)e?["status"] == status,
            TimeSpan.FromSeconds(30), $"event {eventId} {status}");

    [Fact]
    public async Task A_rule_sends_matching_events_with_the_template_rendered_and_a_stable_idempotency_key()
    {
        await CreateDestinationAsync("""
            {"headers":{"X-Team":"ops"},
             "template":{"type":"json","body":{"flight":"{{$.detail.flight_id}}","gate":"{{ $.detail.gates[1] }}","missing":"{{$.detail.nope}}",
                         "text":"Flight {{$.detail.flight_id}} now at {{$.detail.gates[1]}}{{$.detail.nope}}","whole":"{{$.detail}}","fixed":42}}}
            """);
        var eventId = await PostEventAsync("ev-template", new JsonObject { ["flight_id"] = "CT101", ["gates"] = new JsonArray("A1", "B7") });

        var request = (await RequestsUntil(r => r.Any(x => x.Accepted), "the delivery")).Single();
        Assert.Equal(KeyOf(eventId), request.IdempotencyKey);
        Assert.Equal("ops", request.Headers["X-Team"]);
        Assert.StartsWith("application/json", request.Headers["Content-Type"]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"flight":"CT101","gate":"B7","missing":null,"text":"Flight CT101 now at B7","whole":{"flight_id":"CT101","gates":["A1","B7"]},"fixed":42}
            """), request.Json), request.Body);

        var detail = await EventStatusUntil(eventId, "delivered");
        Assert.Equal("destination-hook", (string?)detail!["deliveries"]![0]!["queue"]);
        var destination = await _server.Client.GetJsonAsync("/destinations/hook");
        Assert.Equal(1, (int)destination!["health"]!["calls"]!["by_outcome"]!["success"]!);
    }

    [Fact]
    public async Task Server_errors_are_retried_with_backoff_and_the_same_idempotency_key()
    {
        var calls = 0;
        _target.Script = _ => Task.FromResult(Interlocked.Increment(ref calls) switch
        {
            1 => TargetAnswer.Error(503, "down for maintenance"),
            2 => TargetAnswer.Error(500, "oops"),
            _ => null,
        });
        await CreateDestinationAsync("{}");
        var eventId = await PostEventAsync("ev-5xx");

        var requests = await RequestsUntil(r => r.Any(x => x.Accepted), "the third attempt");
        Assert.Equal(3, requests.Count);
        Assert.All(requests, r => Assert.Equal(KeyOf(eventId), r.IdempotencyKey));
        // Backoff with equal jitter from a 1 s base: the first retry after 0.5-1 s, the second after 1-2 s.
        Assert.InRange(requests[1].Since(requests[0]).TotalSeconds, 0.45, 10);
        Assert.InRange(requests[2].Since(requests[1]).TotalSeconds, 0.95, 10);
        var detail = await EventStatusUntil(eventId, "delivered");
        Assert.Equal(3, (int)detail!["deliveries"]![0]!["receive_count"]!);
    }

    [Fact]
    public async Task A_429_pauses_the_destination_for_its_Retry_After()
    {
        var first = true;
        _target.Script = _ => Task.FromResult(Interlocked.Exchange(ref first, false) ? TargetAnswer.TooManyRequests(2) : null);
        await CreateDestinationAsync("""{"concurrency":1}""");
        await PostEventAsync("ev-429-a");
        var limited = (await RequestsUntil(r => r.Count >= 1, "the first call")).First();
        await PostEventAsync("ev-429-b");
        await PostEventAsync("ev-429-c");

        var requests = await RequestsUntil(r => r.Count(x => x.Accepted) == 3, "all three delivered");
        Assert.Equal(429, limited.Status);
        // Nothing, not even the other events, went out before the Retry-After had passed.
        Assert.All(requests.Where(r => r != limited), r => Assert.True(r.Since(limited) >= TimeSpan.FromSeconds(1.95), $"a call {r.Since(limited)} after the 429"));
        Assert.Equal(4, requests.Count);
    }

    [Fact]
    public async Task Client_errors_and_GraphQL_errors_go_to_the_dlq_at_once_with_the_reason()
    {
        _target.Script = request => Task.FromResult((string?)request.Json?["variables"]?["input"]?["id"] == "ev-400"
            ? TargetAnswer.Error(400, "input.id is malformed") : null);
        await CreateDestinationAsync($$"""{"template":{{GraphQLTemplate}}}""");
        var badRequest = await PostEventAsync("ev-400");
        // No brand: the GraphQL server refuses the variables with an "errors" answer (HTTP 200).
        var graphQLError = await PostEventAsync("ev-graphql", new JsonObject { ["id"] = "ev-graphql", ["name"] = "n", ["body"] = "b", ["timestamp"] = "2025-01-01T00:00:00Z" });

        await EventStatusUntil(badRequest, "dead_lettered");
        await EventStatusUntil(graphQLError, "dead_lettered");
        Assert.Equal(2, _target.Requests.Count);

        var dead = (await _server.Client.GetJsonAsync("/queues/destination-hook/messages?dlq=true"))!["items"]!.AsArray();
        var reasons = dead.Select(m => (string?)m!["last_error"]).ToList();
        Assert.Contains(reasons, r => r!.Contains("HTTP 400") && r.Contains("input.id is malformed"));
        Assert.Contains(reasons, r => r!.Contains("GraphQL returned errors") && r.Contains("brand"));
        var health = (await _server.Client.GetJsonAsync("/destinations/hook"))!["health"]!;
        Assert.Equal(2, (int)health["dlq_depth"]!);
        Assert.Equal(1, (int)health["calls"]!["by_outcome"]!["client_error"]!);
        Assert.Equal(1, (int)health["calls"]!["by_outcome"]!["graphql_error"]!);
        Assert.Equal(1.0, (double)health["calls"]!["error_rate"]!);
    }

    [Fact]
    public async Task Network_errors_are_retried_then_dead_lettered_after_the_last_attempt()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await CreateDestinationAsync("""{"retry":{"max_attempts":3,"base_delay_seconds":0.1,"max_delay_seconds":1}}""", $"http://127.0.0.1:{closedPort}/graphql");
        var eventId = await PostEventAsync("ev-refused");

        var detail = await EventStatusUntil(eventId, "dead_lettered");
        var delivery = detail!["deliveries"]![0]!;
        Assert.Contains("gave up after 3 attempts", (string?)delivery["last_error"]);
        Assert.Contains("network error", (string?)delivery["last_error"]);
        var health = (await _server.Client.GetJsonAsync("/destinations/hook"))!["health"]!;
        Assert.Equal(3, (int)health["calls"]!["by_outcome"]!["network_error"]!);
    }

    [Fact]
    public async Task The_rate_limit_holds_in_every_one_second_window_across_retries_and_concurrency()
    {
        // The target allows 5 a second and fails every fifth call; the destination may send 10 a second, with 8
        // at once, so its first burst alone is over the target's limit.
        _target.RateLimitPerSecond = 5;
        var calls = 0;
        _target.Script = _ => Task.FromResult(Interlocked.Increment(ref calls) % 5 == 0 ? TargetAnswer.Error(502, "bad gateway") : null);
        await CreateDestinationAsync("""{"rate_limit_per_second":10,"concurrency":8,"retry":{"max_attempts":20,"base_delay_seconds":0.2,"max_delay_seconds":2}}""");
        var ids = Enumerable.Range(0, 40).Select(i => $"ev-rate-{i:D2}").ToList();
        await Task.WhenAll(ids.Select(id => PostEventAsync(id)));

        var requests = await RequestsUntil(r => r.Count(x => x.Accepted) >= ids.Count, "40 deliveries", seconds: 60);
        Assert.True(_target.MostInAnyWindow(TimeSpan.FromSeconds(1)) <= 10,
            $"{_target.MostInAnyWindow(TimeSpan.FromSeconds(1))} calls in one second");
        Assert.Contains(requests, r => r.Status == 429);
        Assert.Contains(requests, r => r.Status == 502);
        // Every event reached the target exactly once, retries or not.
        var accepted = requests.Where(r => r.Accepted).GroupBy(r => r.IdempotencyKey).ToList();
        Assert.Equal(ids.Count, accepted.Count);
        Assert.All(accepted, g => Assert.Single(g));
        await Eventually.Until(() => _server.Client.GetJsonAsync("/destinations/hook"),
            d => (int)d!["health"]!["depth"]! + (int)d["health"]!["in_flight"]! + (int)d["health"]!["delayed"]! == 0, because: "the queue empties");
        Assert.Equal(ids.Count, _server.Store.Read(r => r.DestinationDeliveryCount("hook")));
    }

    [Fact]
    public async Task No_more_calls_are_in_flight_than_the_concurrency_limit()
    {
        _target.Script = _ => Task.FromResult<TargetAnswer?>(TargetAnswer.Ok("{}") with { Delay = TimeSpan.FromMilliseconds(300) });
        await CreateDestinationAsync("""{"concurrency":3,"rate_limit_per_second":100}""");
        await Task.WhenAll(Enumerable.Range(0, 12).Select(i => PostEventAsync($"ev-conc-{i}")));
        await RequestsUntil(r => r.Count(x => x.Accepted) == 12, "12 deliveries");
        Assert.InRange(_target.MaxInFlight, 1, 3);
    }

    [Fact]
    public async Task A_call_that_times_out_is_retried_with_the_same_key()
    {
        var first = true;
        _target.Script = _ => Task.FromResult<TargetAnswer?>(Interlocked.Exchange(ref first, false)
            ? TargetAnswer.Ok("{}") with { Delay = TimeSpan.FromSeconds(10) } : null);
        await CreateDestinationAsync("""{"timeout_seconds":1,"retry":{"max_attempts":5,"base_delay_seconds":0.1,"max_delay_seconds":1}}""");
        var eventId = await PostEventAsync("ev-slow");
        var detail = await EventStatusUntil(eventId, "delivered");
        var requests = _target.Requests;
        Assert.False(requests[0].Accepted);
        Assert.True(requests.Count >= 2);
        Assert.All(requests, r => Assert.Equal(KeyOf(eventId), r.IdempotencyKey));
        Assert.Contains("no answer within 1 s", (string?)detail!["deliveries"]![0]!["last_error"]);
    }

    [Fact]
    public async Task A_delivery_id_the_target_accepted_is_never_sent_again()
    {
        await CreateDestinationAsync("{}");
        await _server.Store.WriteAsync(w => DestinationDeliveries.Enqueue(w, "hook", """{"n":1}""", "once-only"));
        await RequestsUntil(r => r.Any(x => x.Accepted), "the first delivery");
        await Eventually.Until(() => _server.Store.Read(r => r.DestinationDeliveryGet("hook", "once-only")) is not null, because: "the success is recorded");

        // The queue's own dedup forgets a key with the message history; the delivery record still remembers it.
        await _server.Store.WriteAsync(w => w.MessageHistoryDeleteDoneBefore(long.MaxValue, 1000));
        Assert.True(await _server.Store.WriteAsync(w => DestinationDeliveries.Enqueue(w, "hook", """{"n":1}""", "once-only")));
        await Eventually.Until(() => _server.Client.GetJsonAsync("/queues/destination-hook"),
            q => (int)q!["depth"]! + (int)q["in_flight"]! == 0, because: "the duplicate is acked without a call");
        Assert.Single(_target.Requests);
    }

    [Fact]
    public async Task A_redriven_dead_letter_is_delivered_with_the_same_key()
    {
        var refuse = true;
        _target.Script = _ => Task.FromResult(Volatile.Read(ref refuse) ? TargetAnswer.Error(422, "unknown flight") : null);
        await CreateDestinationAsync("{}");
        var eventId = await PostEventAsync("ev-redrive");
        await EventStatusUntil(eventId, "dead_lettered");

        Volatile.Write(ref refuse, false);
        using var redrive = await _server.Client.PostAsync("/queues/destination-hook/redrive", null);
        Assert.Equal(1, (int)(await redrive.JsonAsync())["moved"]!);
        await EventStatusUntil(eventId, "delivered");
        Assert.Equal([422, 200], _target.Requests.Select(r => r.Status));
        Assert.All(_target.Requests, r => Assert.Equal(KeyOf(eventId), r.IdempotencyKey));
    }
}
