using Contrail.Applications.Gateway;
using Contrail.Auth;
using Microsoft.Extensions.Logging;

namespace Contrail.Tests.Gateway;

/// <summary>Seed 003's contract on <c>POST /gateway/events</c>, delivered to a real GraphQL server on loopback.</summary>
public sealed class GatewayTests : IAsyncLifetime
{
    private const string Token = "gw-token-7c1d9e0b-do-not-log";
    private GraphQLTarget _target = null!;
    private TestServer _server = null!;
    private readonly LogCapture _logs = new();

    public async ValueTask InitializeAsync()
    {
        _target = await GraphQLTarget.StartAsync(TestContext.Current.CancellationToken);
        _server = await StartServerAsync(new Dictionary<string, string?>
        {
            ["Gateway:Endpoint"] = _target.Url,
            ["Gateway:Token"] = Token,
            ["Gateway:Brand"] = "testBrand",
            ["Logging:LogLevel:Default"] = "Trace",
        });
    }

    private Task<TestServer> StartServerAsync(Dictionary<string, string?> settings) =>
        TestServer.StartAsync(settings, s => s.AddSingleton<ILoggerProvider>(_logs));

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync();
        await _target.DisposeAsync();
    }

    private static string Event(string id, string body = "test body", string extra = "") =>
        $$"""{"id":"{{id}}","name":"test event","body":"{{body}}","timestamp":"2025-01-15T08:00:00.000Z"{{extra}}}""";

    [Fact]
    public async Task An_event_is_answered_202_and_delivered_as_the_SendEvent_mutation_with_the_brand()
    {
        using var response = await _server.Client.PostJsonAsync("/gateway/events", Event("gw-1", extra: ""","source":"dropped","nested":{"x":1}"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.JsonAsync();
        Assert.Equal("Event received", (string?)answer["message"]);
        var eventId = (string)answer["event_id"]!;

        var request = (await Eventually.Until(() => Task.FromResult(_target.Requests.ToList()), r => r.Any(x => x.Accepted), because: "the delivery")).Single();
        Assert.Equal("Bearer " + Token, request.Authorization);
        Assert.Equal("gw-1", request.IdempotencyKey);
        Assert.Equal(GatewayApplication.Mutation, (string?)request.Json!["query"]);
        // Unknown keys were dropped; brand was added; the order is the seed's.
        Assert.Equal("""{"id":"gw-1","name":"test event","body":"test body","timestamp":"2025-01-15T08:00:00.000Z","brand":"testBrand"}""",
            request.Json["variables"]!["input"]!.ToJsonString());

        var stored = await Eventually.Until(() => _server.Client.GetJsonAsync($"/events/{eventId}"), e => (string?)e!["status"] == "delivered", because: "the event's delivery is recorded");
        Assert.Equal("contrail.gateway", (string?)stored!["event"]!["source"]);
        Assert.Equal("testBrand", (string?)stored["event"]!["detail"]!["brand"]);
    }

    [Fact]
    public async Task The_same_id_and_event_is_answered_the_same_and_delivered_once_and_another_event_with_it_is_409()
    {
        var answers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await _server.Client.PostJsonAsync("/gateway/events", Event("gw-dup", extra: i == 2 ? ""","ignored":true""" : ""));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            answers.Add(await response.Content.ReadAsStringAsync());
        }
        Assert.Single(answers.Distinct());

        using (var conflict = await _server.Client.PostJsonAsync("/gateway/events", Event("gw-dup", body: "another body")))
        {
            var problem = await conflict.ProblemAsync(HttpStatusCode.Conflict);
            Assert.Contains("gw-dup", (string?)problem["detail"]);
        }
        await Eventually.Until(() => Task.FromResult(_target.Requests.Count(r => r.Accepted)), n => n == 1, because: "one delivery");
        await Eventually.Until(() => _server.Client.GetJsonAsync("/destinations/gateway"),
            d => (int)d!["health"]!["depth"]! + (int)d["health"]!["in_flight"]! == 0, because: "nothing left to deliver");
        Assert.Single(_target.Requests);
    }

    [Fact]
    public async Task Every_problem_of_an_invalid_event_is_listed_in_a_400_problem()
    {
        using var response = await _server.Client.PostJsonAsync("/gateway/events", """{"id":"","name":7,"body":{"x":1},"timestamp":"invalid-date"}""");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("Invalid payload", (string?)problem["title"]);
        var errors = problem.Errors();
        Assert.Contains(errors, e => e.StartsWith("/id: must not be empty"));
        Assert.Contains(errors, e => e.StartsWith("/name: must be a string"));
        Assert.Contains(errors, e => e.StartsWith("/body: must be a string"));
        Assert.Contains(errors, e => e.StartsWith("/timestamp: Invalid timestamp format"));

        // The seed's own invalid example, and bodies that are not an event at all.
        using (var missing = await _server.Client.PostJsonAsync("/gateway/events", """{"id":"missing-fields"}"""))
            Assert.Equal(["/name: required", "/body: required", "/timestamp: required"], (await missing.ProblemAsync(HttpStatusCode.BadRequest)).Errors());
        foreach (var body in new[] { "[]", "\"text\"", "{\"id\":", "" })
        {
            using var bad = await _server.Client.PostJsonAsync("/gateway/events", body);
            await bad.ProblemAsync(HttpStatusCode.BadRequest);
        }
        using var tooLarge = await _server.Client.PostJsonAsync("/gateway/events", Event("big", body: new string('x', 300_000)));
        await tooLarge.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty(_target.Requests);
    }

    [Fact]
    public async Task The_gateway_destination_is_the_seeds_queue_and_limits_and_the_api_may_not_change_it()
    {
        var destination = await _server.Client.GetJsonAsync("/destinations/gateway");
        Assert.Equal("application", (string?)destination!["origin"]);
        Assert.Equal(5, (int)destination["rate_limit_per_second"]!);
        Assert.Equal(5, (int)destination["concurrency"]!);
        Assert.Equal(5, (int)destination["retry"]!["max_attempts"]!);
        Assert.Equal("config:Gateway:Token", (string?)destination["auth"]!["secret"]);
        var queue = await _server.Client.GetJsonAsync("/queues/destination-gateway");
        Assert.Equal(345_600, (int)queue!["attributes"]!["message_retention_seconds"]!);
        Assert.Equal(5, (int)queue["attributes"]!["max_receive_count"]!);
        Assert.Equal("destination-gateway-dlq", (string?)queue["attributes"]!["dead_letter_queue"]);

        using (var put = await _server.Client.PutJsonAsync("/destinations/gateway", $$"""{"url":"{{_target.Url}}"}"""))
            await put.ProblemAsync(HttpStatusCode.Conflict);
        using (var delete = await _server.Client.DeleteAsync("/destinations/gateway"))
            await delete.ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Posting_needs_the_ingest_scope()
    {
        var keys = _server.Services.GetRequiredService<ApiKeys>();
        var (_, reader) = await keys.CreateAsync("reader", [Scopes.Read]);
        var (_, producer) = await keys.CreateAsync("producer", [Scopes.Ingest]);
        using var anonymous = _server.CreateClient(apiKey: null);
        using var readClient = _server.CreateClient(reader);
        using var ingestClient = _server.CreateClient(producer);
        using (var response = await anonymous.PostJsonAsync("/gateway/events", Event("gw-auth"))) await response.ProblemAsync(HttpStatusCode.Unauthorized);
        using (var response = await readClient.PostJsonAsync("/gateway/events", Event("gw-auth"))) await response.ProblemAsync(HttpStatusCode.Forbidden);
        using (var response = await ingestClient.PostJsonAsync("/gateway/events", Event("gw-auth"))) Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task The_token_never_appears_in_logs_responses_or_the_database()
    {
        // A delivery that succeeds, one that fails and is retried, one dead-lettered by the target echoing our
        // Authorization header back in its error: every path that logs or stores a reason.
        var retried = false;
        _target.Script = request => Task.FromResult(request.InputId switch
        {
            "gw-echo" => TargetAnswer.Error(401, "bad credentials: " + request.Authorization),
            "gw-retry" when !Interlocked.Exchange(ref retried, true) => TargetAnswer.Error(503, "auth " + request.Authorization + " unavailable"),
            _ => null,
        });
        foreach (var id in new[] { "gw-ok", "gw-retry", "gw-echo" })
            using (var response = await _server.Client.PostJsonAsync("/gateway/events", Event(id)))
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await Eventually.Until(async () => (await _server.Client.GetJsonAsync("/destinations/gateway"))!["health"]!,
            h => (int)h["dlq_depth"]! == 1 && (int)h["depth"]! + (int)h["in_flight"]! + (int)h["delayed"]! == 0, TimeSpan.FromSeconds(30), "all settled");
        Assert.Contains(_target.Requests, r => r.Status == 503);

        var responses = string.Join('\n', await _server.Client.GetStringAsync("/destinations/gateway"), await _server.Client.GetStringAsync("/destinations"),
            await _server.Client.GetStringAsync("/queues/destination-gateway/messages?dlq=true"), await _server.Client.GetStringAsync("/events?limit=100"));
        Assert.Contains("[redacted]", responses);
        Assert.DoesNotContain(Token, responses);
        Assert.Contains(_logs.Lines, l => l.Contains("Delivered gw-ok"));
        Assert.Contains(_logs.Lines, l => l.Contains("[redacted]"));
        Assert.DoesNotContain(Token, _logs.All);
        foreach (var file in Directory.GetFiles(_server.DataDir, "contrail.db*"))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            await stream.CopyToAsync(memory);
            Assert.Equal(-1, memory.ToArray().AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(Token)));
        }
    }

    [Fact]
    public async Task Without_an_endpoint_the_server_starts_and_the_route_says_what_to_set()
    {
        await using var server = await TestServer.StartAsync();
        using var response = await server.Client.PostJsonAsync("/gateway/events", Event("gw-off"));
        var problem = await response.ProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.Contains("Gateway:Endpoint", (string?)problem["detail"]);
        Assert.Contains("CONTRAIL__GATEWAY__ENDPOINT", (string?)problem["detail"]);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health/ready")).StatusCode);
    }

    [Theory]
    [InlineData("not a url", "Gateway:Endpoint")]
    [InlineData("ftp://x.example/graphql", "Gateway:Endpoint")]
    public async Task An_invalid_endpoint_turns_the_gateway_off_with_the_reason(string endpoint, string setting)
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Gateway:Endpoint"] = endpoint });
        using var response = await server.Client.PostJsonAsync("/gateway/events", Event("gw-bad"));
        Assert.Contains(setting, (string?)(await response.ProblemAsync(HttpStatusCode.ServiceUnavailable))["detail"]);
    }

    [Fact]
    public async Task The_token_can_come_from_a_file_and_a_missing_file_turns_the_gateway_off()
    {
        var tokenFile = Path.Combine(_server.DataDir, "gateway-token");
        await File.WriteAllTextAsync(tokenFile, "file-token-31\n");
        await using (var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Gateway:Endpoint"] = _target.Url, ["Gateway:TokenFile"] = tokenFile }))
        {
            using (var response = await server.Client.PostJsonAsync("/gateway/events", Event("gw-file")))
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            var request = await Eventually.Until(() => Task.FromResult(_target.Requests.FirstOrDefault(r => r.InputId == "gw-file")), r => r is not null, because: "the delivery");
            Assert.Equal("Bearer file-token-31", request!.Authorization);
        }
        await using var missing = await TestServer.StartAsync(new Dictionary<string, string?> { ["Gateway:Endpoint"] = _target.Url, ["Gateway:TokenFile"] = tokenFile + ".nope" });
        using var refused = await missing.Client.PostJsonAsync("/gateway/events", Event("gw-nofile"));
        var detail = (string?)(await refused.ProblemAsync(HttpStatusCode.ServiceUnavailable))["detail"];
        Assert.Contains("Gateway:TokenFile", detail);
    }
}
