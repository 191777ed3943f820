namespace Contrail.Tests.Bus;

public sealed class RuleApiTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private HttpClient Client => _server.Client;

    private static string QueueRule(string queue, string source, string? extraTarget = null, string state = "ENABLED") => $$"""
        {"description":"to {{queue}}","event_pattern":{"source":["{{source}}"]},"state":"{{state}}",
         "targets":[{"id":"q","type":"queue","name":"{{queue}}"{{extraTarget}}}]}
        """;

    [Fact]
    public async Task A_new_rule_routes_the_next_event_without_a_restart()
    {
        await Client.CreateQueueAsync("orders-in");
        using (var created = await Client.PutJsonAsync("/rules/orders", QueueRule("orders-in", "shop")))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            var rule = await created.JsonAsync();
            Assert.Equal("orders", (string?)rule["name"]);
            Assert.Equal("api", (string?)rule["origin"]);
            Assert.Equal("ENABLED", (string?)rule["state"]);
            Assert.Equal("""{"source":["shop"]}""", rule["event_pattern"]!.ToJsonString());
        }
        var id = await Client.PostEventAsync("shop", "order.placed", """{"order":1}""");
        var message = Assert.Single(await Client.MessagesEventuallyAsync("orders-in", 1));
        Assert.Equal(id, (string?)message["event_id"]);
        Assert.Equal("orders", (string?)message["headers"]!["rule"]);
        Assert.Equal(1, (int)message["body"]!["detail"]!["order"]!);
        var stored = await Client.GetJsonAsync($"/events/{id}");
        Assert.Contains("orders", stored!["matched_rules"]!.AsArray().Select(r => (string?)r));
        await Client.PostEventAsync("elsewhere", "order.placed");
        Assert.Single(await Client.MessagesAsync("orders-in"));
    }

    [Fact]
    public async Task Disabling_and_deleting_a_rule_stop_its_routing_at_once()
    {
        await Client.CreateQueueAsync("toggled");
        await Client.PutOkAsync("/rules/toggle", QueueRule("toggled", "tog"));
        using (var updated = await Client.PutJsonAsync("/rules/toggle", QueueRule("toggled", "tog", state: "DISABLED")))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
            Assert.Equal("DISABLED", (string?)(await updated.JsonAsync())["state"]);
        }
        await Client.PostEventAsync("tog", "x");
        await Client.PutOkAsync("/rules/toggle", QueueRule("toggled", "tog"));
        await Client.PostEventAsync("tog", "x");
        using (var deleted = await Client.DeleteAsync("/rules/toggle")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Client.PostEventAsync("tog", "x");
        // Ingest commits routing synchronously: only the event sent while the rule was enabled is there.
        Assert.Single(await Client.MessagesAsync("toggled"));
        using var gone = await Client.GetAsync("/rules/toggle");
        await gone.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_event_pattern_may_be_given_as_a_string_as_AWS_takes_it()
    {
        var rule = await Client.PutOkAsync("/rules/as-string", """{"event_pattern":"{\"detail-type\":[{\"prefix\":\"order.\"}]}","targets":[]}""");
        Assert.Equal("""{"detail-type":[{"prefix":"order."}]}""", rule["event_pattern"]!.ToJsonString());
    }

    [Fact]
    public async Task An_invalid_pattern_is_refused_with_EventBridges_reason_and_a_pointer_into_it()
    {
        using var response = await Client.PutJsonAsync("/rules/bad-pattern", """{"event_pattern":{"detail":{"n":[{"numeric":[">",5,"<"]}]}}}""");
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        var error = Assert.Single(problem["errors"]!.AsArray())!;
        Assert.StartsWith("/event_pattern/detail/n/0/numeric", (string?)error["pointer"]);
        Assert.StartsWith("Event pattern is not valid. Reason: ", (string?)error["detail"]);
        using var missing = await Client.GetAsync("/rules/bad-pattern");
        await missing.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Every_problem_with_the_targets_is_listed()
    {
        using var response = await Client.PutJsonAsync("/rules/bad-targets", """
            {"event_pattern":{"source":["a"]},"state":"ON","targets":[
              {"id":"a","type":"lambda","name":"wf"},
              {"id":"a","type":"queue","name":"has space"},
              {"id":"c","type":"log","name":"g","retry_policy":{"maximum_retry_attempts":500,"maximum_event_age_in_seconds":10},"dead_letter_queue":"bad name"},
              {"id":"d","type":"queue","name":"q","input_path":"$.detail","input":{"a":1}},
              {"id":"e","type":"queue","name":"q","input_transformer":{"input_paths_map":{"x":"detail"},"input_template":"{<x>: 1}"}},
              {"id":"f","type":"queue","name":"q"}]}
            """);
        var errors = (await response.ProblemAsync(HttpStatusCode.BadRequest)).Errors();
        Assert.Contains("/state: must be ENABLED or DISABLED", errors);
        Assert.Contains("/targets: a rule has at most 5 targets", errors);
        Assert.Contains("/targets/0/type: unknown target type 'lambda'; registered types: destination, log, queue, topic, workflow", errors);
        Assert.Contains(errors, e => e.StartsWith("/targets/1/id: 'a' is used by another target"));
        Assert.Contains(errors, e => e.StartsWith("/targets/1/name: must be a queue name"));
        Assert.Contains(errors, e => e.StartsWith("/targets/2/retry_policy/maximum_retry_attempts"));
        Assert.Contains(errors, e => e.StartsWith("/targets/2/retry_policy/maximum_event_age_in_seconds"));
        Assert.Contains(errors, e => e.StartsWith("/targets/2/dead_letter_queue"));
        Assert.Contains(errors, e => e.StartsWith("/targets/3: set at most one of input, input_path and input_transformer"));
        Assert.Contains(errors, e => e.StartsWith("/targets/4/input_transformer/input_paths_map/x"));
    }

    [Theory]
    [InlineData("/rules/test-pattern", """{"event_pattern":{"source":["a"]}}""", "/name")]
    [InlineData("/rules/has%20space", """{"event_pattern":{"source":["a"]}}""", "/name")]
    [InlineData("/rules/named", """{"name":"other","event_pattern":{"source":["a"]}}""", "/name")]
    [InlineData("/rules/no-pattern", """{"targets":[]}""", "/event_pattern")]
    [InlineData("/rules/pattern-number", """{"event_pattern":5}""", "/event_pattern")]
    [InlineData("/rules/pattern-bad-text", """{"event_pattern":"{not json"}""", "/event_pattern")]
    [InlineData("/rules/targets-not-list", """{"event_pattern":{"source":["a"]},"targets":{}}""", "/targets")]
    [InlineData("/rules/target-no-id", """{"event_pattern":{"source":["a"]},"targets":[{"type":"queue","name":"q"}]}""", "")]
    public async Task Bad_rules_are_400_problems_pointing_at_the_fault(string path, string body, string pointerStart)
    {
        using var response = await Client.PutJsonAsync(path, body);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e.StartsWith(pointerStart));
    }

    [Theory]
    [InlineData("{\"event_pattern\":")]
    [InlineData("[]")]
    [InlineData("")]
    public async Task Malformed_rule_bodies_are_400_problems(string body)
    {
        using var response = await Client.PutJsonAsync("/rules/malformed", body);
        await response.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Unknown_rules_are_404_problems()
    {
        using (var get = await Client.GetAsync("/rules/nope")) await get.ProblemAsync(HttpStatusCode.NotFound);
        using (var delete = await Client.DeleteAsync("/rules/nope")) await delete.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Rules_declared_by_an_application_are_listed_but_read_only()
    {
        var declared = await Client.GetJsonAsync("/rules/flight-events-persist-rule");
        Assert.Equal("application", (string?)declared!["origin"]);
        using (var put = await Client.PutJsonAsync("/rules/flight-events-persist-rule", QueueRule("x", "y")))
            Assert.Contains("declared by an application", (string?)(await put.ProblemAsync(HttpStatusCode.Conflict))["detail"]);
        using (var delete = await Client.DeleteAsync("/rules/flight-events-persist-rule")) await delete.ProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task The_list_is_paged_by_name()
    {
        foreach (var name in new[] { "page-a", "page-b", "page-c" }) await Client.PutOkAsync($"/rules/{name}", """{"event_pattern":{"source":["p"]}}""");
        var names = new List<string>();
        string? cursor = null;
        do
        {
            var page = await Client.GetJsonAsync("/rules?limit=2" + (cursor is null ? "" : "&cursor=" + cursor));
            names.AddRange(page!["items"]!.AsArray().Select(r => (string)r!["name"]!));
            cursor = (string?)page["next_cursor"];
        }
        while (cursor is not null);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        Assert.Contains("page-b", names);
        Assert.Contains("flight-events-async-rule", names);
        using var bad = await Client.GetAsync("/rules?limit=zero");
        await bad.ProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("/rules")]
    [InlineData("/topics")]
    [InlineData("/topics/paged/subscriptions")]
    [InlineData("/archives")]
    [InlineData("/replays")]
    [InlineData("/alarms")]
    public async Task Every_bus_list_refuses_a_bad_limit_or_cursor(string path)
    {
        await Client.PutOkAsync("/topics/paged", "{}");
        foreach (var query in new[] { "?limit=0", "?limit=many", "?cursor=%25%25" })
        {
            using var response = await Client.GetAsync(path + query);
            await response.ProblemAsync(HttpStatusCode.BadRequest);
        }
        Assert.NotNull((await Client.GetJsonAsync(path + "?limit=5000"))!["items"]);
    }

    [Fact]
    public async Task An_input_transformer_shapes_what_the_queue_receives()
    {
        await Client.CreateQueueAsync("shaped");
        await Client.PutOkAsync("/rules/shaper", """
            {"event_pattern":{"source":["shapes"]},"targets":[{"id":"t","type":"queue","name":"shaped","input_transformer":{
              "input_paths_map":{"flight":"$.detail.flight_id","gate":"$.detail.gate"},
              "input_template":"{\"text\": \"Flight <flight> boards at <gate>\", \"flight\": <flight>, \"rule\": <aws.events.rule-name>}"}}]}
            """);
        await Client.PostEventAsync("shapes", "flight.updated", """{"flight_id":"SW1","gate":"B7"}""");
        var body = Assert.Single(await Client.MessagesEventuallyAsync("shaped", 1))["body"]!;
        Assert.Equal("""{"text":"Flight SW1 boards at B7","flight":"SW1","rule":"shaper"}""", body.ToJsonString());
    }

    [Fact]
    public async Task A_queue_target_that_does_not_exist_sends_the_event_to_the_targets_dead_letter_queue()
    {
        await Client.CreateQueueAsync("missed");
        await Client.PutOkAsync("/rules/to-nowhere", QueueRule("no-such-queue", "nowhere", ""","dead_letter_queue":"missed" """));
        var id = await Client.PostEventAsync("nowhere", "x");
        var dead = Assert.Single(await Client.MessagesEventuallyAsync("missed", 1));
        Assert.Equal(id, (string?)dead["body"]!["id"]);
        Assert.Equal("no queue named 'no-such-queue'", (string?)dead["headers"]!["error"]);
        Assert.Equal("to-nowhere", (string?)dead["headers"]!["rule"]);
    }

    [Fact]
    public async Task A_rule_written_by_another_process_sharing_the_database_is_picked_up()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Bus:ReloadInterval"] = "00:00:00.100" });
        await server.Client.CreateQueueAsync("elsewhere");
        // Written straight to the store, as another Contrail process would: this process's caches know nothing of it.
        await server.Store.WriteAsync(w =>
        {
            w.RuleUpsert(new Contrail.Bus.Rule
            {
                Name = "from-elsewhere", EventPattern = new JsonObject { ["source"] = new JsonArray("remote") },
                Targets = [new Contrail.Bus.RuleTarget { Id = "q", Type = "queue", Name = "elsewhere" }],
            }, "api");
            return 0;
        });
        await Eventually.Until(async () =>
        {
            var id = await server.Client.PostEventAsync("remote", "x");
            return (await server.Client.GetJsonAsync($"/events/{id}"))!["matched_rules"]!.AsArray().Count;
        }, matched => matched == 1, because: "the rule reloaded from the store");
    }

    [Fact]
    public async Task Rules_survive_a_restart_and_still_route()
    {
        await Client.CreateQueueAsync("kept");
        await Client.PutOkAsync("/rules/kept-rule", QueueRule("kept", "keep"));
        _server = await _server.RestartAsync();
        var rule = await Client.GetJsonAsync("/rules/kept-rule");
        Assert.Equal("to kept", (string?)rule!["description"]);
        await Client.PostEventAsync("keep", "x");
        Assert.Single(await Client.MessagesEventuallyAsync("kept", 1));
    }
}
