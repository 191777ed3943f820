namespace Contrail.Tests.Events;

public sealed class IdempotencyTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task Same_id_and_body_returns_the_same_202_and_is_processed_once()
    {
        const string body = """{"id":"dup-1","source":"ops","detail-type":"flight.updated","detail":{"flight_id":"DUP1","gate":"C3"}}""";
        var answers = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await _server.Client.PostJsonAsync("/events", body);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            answers.Add(await response.Content.ReadAsStringAsync());
        }
        Assert.Single(answers.Distinct());

        await Eventually.Until(() => _server.Client.GetJsonAsync("/flights/DUP1/history"), h => h is not null && h["items"]!.AsArray().Count == 1);
        var events = await _server.Client.GetJsonAsync("/events?source=ops");
        Assert.Single(events!["items"]!.AsArray());
        var detail = await _server.Client.GetJsonAsync("/events/dup-1");
        // One delivery per rule target, not three.
        Assert.Equal(2, detail!["deliveries"]!.AsArray().Count);
    }

    [Fact]
    public async Task Same_id_with_a_different_body_is_a_409_conflict()
    {
        using var first = await _server.Client.PostJsonAsync("/events", """{"id":"dup-2","source":"ops","detail-type":"x","detail":{"a":1}}""");
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        using var second = await _server.Client.PostJsonAsync("/events", """{"id":"dup-2","source":"ops","detail-type":"x","detail":{"a":2}}""");
        var problem = await second.ProblemAsync(HttpStatusCode.Conflict);
        Assert.Contains("dup-2", (string?)problem["detail"]);
        var stored = await _server.Client.GetJsonAsync("/events/dup-2");
        Assert.Equal(1, (int)stored!["event"]!["detail"]!["a"]!);
    }

    [Fact]
    public async Task Idempotency_key_header_makes_a_seed_000_event_idempotent()
    {
        async Task<HttpResponseMessage> Send(string gate)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/events")
            {
                Content = new StringContent($$$"""{"type":"flight.updated","data":{"flightId":"KEY1","gate":"{{{gate}}}"}}""", System.Text.Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", "retry-key-1");
            return await _server.Client.SendAsync(request);
        }
        using var first = await Send("A1");
        using var again = await Send("A1");
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Equal((string?)(await first.JsonAsync())["event_id"], (string?)(await again.JsonAsync())["event_id"]);
        using var changed = await Send("B2");
        await changed.ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Duplicates_inside_one_batch_are_accepted_once()
    {
        const string item = """{"id":"dup-batch","source":"ops","detail-type":"x","detail":{}}""";
        using var response = await _server.Client.PostJsonAsync("/events", $"[{item},{item}]");
        var results = (await response.JsonAsync())["results"]!.AsArray();
        Assert.All(results, r => Assert.Equal("accepted", (string?)r!["status"]));
        var events = await _server.Client.GetJsonAsync("/events?source=ops");
        Assert.Single(events!["items"]!.AsArray(), e => (string?)e!["id"] == "dup-batch");
    }
}
