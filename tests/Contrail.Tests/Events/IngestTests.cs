namespace Contrail.Tests.Events;

public sealed class IngestTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private HttpClient Client => _server.Client;

    [Fact]
    public async Task Native_event_is_accepted_after_commit_and_readable_with_its_matched_rules()
    {
        using var response = await Client.PostJsonAsync("/events",
            """{"source":"ops","detail-type":"flight.updated","detail":{"flight_id":"AB1","status":"BOARDING"},"id":"evt-1"}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await response.JsonAsync();
        Assert.Equal("accepted", (string?)body["status"]);
        Assert.Equal("evt-1", (string?)body["event_id"]);

        var stored = await Client.GetJsonAsync("/events/evt-1");
        Assert.NotNull(stored);
        Assert.Equal("flight.updated", (string?)stored["event"]!["detail-type"]);
        Assert.Equal("ops", (string?)stored["event"]!["source"]);
        Assert.Equal("0", (string?)stored["event"]!["version"]);
        Assert.StartsWith("00-", (string?)stored["event"]!["traceparent"]);
        Assert.Equal(["flight-events-async-rule", "flight-events-persist-rule"],
            stored["matched_rules"]!.AsArray().Select(r => (string)r!).Order().ToArray());
        var done = await Eventually.Until(() => Client.GetJsonAsync("/events/evt-1"), e => (string?)e!["status"] == "delivered", because: "both deliveries handled");
        Assert.Equal(2, done!["deliveries"]!.AsArray().Count);
    }

    [Fact]
    public async Task Seed_000_event_without_type_or_flight_id_lists_both_problems()
    {
        using var response = await Client.PostJsonAsync("/events", """{"data":{}}""");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["/type: type required", "/data/flightId: data.flightId required"], problem.Errors());
    }

    [Fact]
    public async Task Seed_000_event_defaults_its_source_and_coerces_the_flight_id()
    {
        using var response = await Client.PostJsonAsync("/events", """{"type":"FLIGHT_UPDATED","data":{"flightId":123,"destination":"LHR"}}""");
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (string?)(await response.JsonAsync())["event_id"];
        var stored = await Client.GetJsonAsync($"/events/{id}");
        Assert.Equal("app.flights", (string?)stored!["event"]!["source"]);
        Assert.Equal("FLIGHT_UPDATED", (string?)stored["event"]!["detail-type"]);
        Assert.Equal("""{"flightId":"123","destination":"LHR"}""", stored["event"]!["detail"]!.ToJsonString());
        Assert.Empty(stored["matched_rules"]!.AsArray());
    }

    [Fact]
    public async Task Native_event_problems_are_all_listed_with_pointers()
    {
        using var response = await Client.PostJsonAsync("/events",
            """{"detail":"text","detail-type":"","time":"yesterday","resources":[1],"colour":"red","id":"has space"}""");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var errors = problem.Errors();
        Assert.Contains(errors, e => e.StartsWith("/colour: unknown field"));
        Assert.Contains("/source: required", errors);
        Assert.Contains("/detail-type: must not be empty", errors);
        Assert.Contains("/detail: must be a JSON object", errors);
        Assert.Contains(errors, e => e.StartsWith("/time: must be an ISO 8601 timestamp"));
        Assert.Contains("/resources/0: must be a string", errors);
        Assert.Contains(errors, e => e.StartsWith("/id: must be 1-128 letters"));
    }

    [Fact]
    public async Task Malformed_json_is_a_400_problem_not_a_500()
    {
        using var response = await Client.PostJsonAsync("/events", """{"source": "x", """);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("urn:contrail:problem:malformed-json", (string?)problem["type"]);
        Assert.Single(problem.Errors());
    }

    [Fact]
    public async Task Concurrent_requests_each_store_exactly_their_own_body()
    {
        // Regression: a parsed body must not share the request buffer, which is reused by other requests.
        const int senders = 24, perSender = 40;
        await Task.WhenAll(Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < perSender; i++)
            {
                var payload = new string((char)('a' + (s + i) % 26), 50 + (s * 7 + i) % 200);
                using var response = await Client.PostJsonAsync("/events",
                    $$$"""{"id":"conc-{{{s}}}-{{{i}}}","source":"conc","detail-type":"t","detail":{"sender":{{{s}}},"i":{{{i}}},"payload":"{{{payload}}}"}}""");
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            }
        })));
        for (var s = 0; s < senders; s += 5)
            for (var i = 0; i < perSender; i += 7)
            {
                var detail = (await Client.GetJsonAsync($"/events/conc-{s}-{i}"))!["event"]!["detail"]!;
                Assert.Equal(s, (int)detail["sender"]!);
                Assert.Equal(i, (int)detail["i"]!);
                Assert.Equal(new string((char)('a' + (s + i) % 26), 50 + (s * 7 + i) % 200), (string?)detail["payload"]);
            }
    }

    [Fact]
    public async Task Content_after_the_json_value_is_malformed()
    {
        using var response = await Client.PostJsonAsync("/events", """{"source":"a","detail-type":"t","detail":{}} {"more":1}""");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal("urn:contrail:problem:malformed-json", (string?)problem["type"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("42")]
    [InlineData("\"text\"")]
    [InlineData("[]")]
    [InlineData("null")]
    public async Task Bodies_that_are_not_events_get_a_400_problem(string body)
    {
        using var response = await Client.PostJsonAsync("/events", body);
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Body_over_one_mebibyte_is_refused_with_413()
    {
        var big = "{\"source\":\"x\",\"detail-type\":\"y\",\"detail\":{\"blob\":\"" + new string('a', 1 << 20) + "\"}}";
        using var response = await Client.PostJsonAsync("/events", big);
        await response.ProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Batch_answers_each_item_in_order_and_stores_only_the_valid_ones()
    {
        using var response = await Client.PostJsonAsync("/events", """
            [{"source":"a","detail-type":"t","detail":{},"id":"batch-1"},
             {"type":"","data":{"flightId":"X"}},
             {"source":"a","detail-type":"t","detail":{},"id":"batch-3"}]
            """);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var results = (await response.JsonAsync())["results"]!.AsArray();
        Assert.Equal(3, results.Count);
        Assert.Equal("accepted", (string?)results[0]!["status"]);
        Assert.Equal("batch-1", (string?)results[0]!["event_id"]);
        Assert.Equal("rejected", (string?)results[1]!["status"]);
        Assert.Equal("/type", (string?)results[1]!["errors"]![0]!["pointer"]);
        Assert.Equal("batch-3", (string?)results[2]!["event_id"]);
        Assert.NotNull(await Client.GetJsonAsync("/events/batch-1"));
        Assert.NotNull(await Client.GetJsonAsync("/events/batch-3"));
    }

    [Fact]
    public async Task Batch_of_more_than_100_is_refused()
    {
        var items = string.Join(",", Enumerable.Range(0, 101).Select(i => """{"source":"a","detail-type":"t","detail":{}}"""));
        using var response = await Client.PostJsonAsync("/events", "[" + items + "]");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("at most 100", problem.Errors()[0]);
    }

    [Theory]
    [InlineData("""{"eventType":"demo","message":"hello"}""", "/eventType")]
    public async Task Formats_of_applications_not_built_yet_are_recognised_and_refused_clearly(string body, string pointer)
    {
        using var response = await Client.PostJsonAsync("/events", body);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.StartsWith(pointer + ":", problem.Errors().Single());
        Assert.Contains("not available", problem.Errors().Single());
    }

    [Fact]
    public async Task Events_list_newest_first_with_a_cursor_and_filters()
    {
        for (var i = 0; i < 5; i++)
            (await Client.PostJsonAsync("/events", $$"""{"source":"list-test","detail-type":"t{{i % 2}}","detail":{},"id":"list-{{i}}"}""")).Dispose();
        var first = await Client.GetJsonAsync("/events?source=list-test&limit=2");
        Assert.Equal(["list-4", "list-3"], first!["items"]!.AsArray().Select(e => (string)e!["id"]!).ToArray());
        var cursor = (string?)first["next_cursor"];
        Assert.NotNull(cursor);
        var second = await Client.GetJsonAsync($"/events?source=list-test&limit=2&cursor={cursor}");
        Assert.Equal(["list-2", "list-1"], second!["items"]!.AsArray().Select(e => (string)e!["id"]!).ToArray());
        var filtered = await Client.GetJsonAsync("/events?source=list-test&detail_type=t0");
        Assert.Equal(["list-4", "list-2", "list-0"], filtered!["items"]!.AsArray().Select(e => (string)e!["id"]!).ToArray());
        Assert.Null((string?)filtered["next_cursor"]);
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=abc")]
    [InlineData("cursor=!!!")]
    public async Task Bad_paging_parameters_get_a_400_problem(string query)
    {
        using var response = await Client.GetAsync("/events?" + query);
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Limit_above_1000_is_clamped()
    {
        using var response = await Client.GetAsync("/events?limit=5000");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_event_is_a_404_problem()
    {
        using var response = await Client.GetAsync("/events/does-not-exist");
        await response.ProblemAsync(HttpStatusCode.NotFound);
    }
}
