namespace Contrail.Tests.Bus;

public sealed class TopicTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync();

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private HttpClient Client => _server.Client;

    private async Task<string> Subscribe(string topic, string body) => (string)(await Client.PostOkAsync($"/topics/{topic}/subscriptions", body))!["id"]!;

    private async Task<int> Publish(string topic, string body) => (int)(await Client.PostOkAsync($"/topics/{topic}/messages", body))!["matched_subscriptions"]!;

    [Fact]
    public async Task Publishing_fans_out_to_every_subscription_whose_filter_policy_matches()
    {
        using (var created = await Client.PutJsonAsync("/topics/alerts", """{"description":"ops alerts"}"""))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        foreach (var queue in new[] { "all-alerts", "critical", "gate-changes", "raw" }) await Client.CreateQueueAsync(queue);
        await Subscribe("alerts", """{"protocol":"queue","endpoint":"all-alerts"}""");
        await Subscribe("alerts", """{"protocol":"queue","endpoint":"critical","filter_policy":{"severity":["critical"]}}""");
        await Subscribe("alerts", """{"protocol":"queue","endpoint":"gate-changes","filter_policy":"{\"kind\":[{\"prefix\":\"gate\"}]}","filter_policy_scope":"message_body"}""");
        await Subscribe("alerts", """{"protocol":"queue","endpoint":"raw","raw_message_delivery":true,"filter_policy":{"priority":[{"numeric":[">=",5]}]}}""");

        Assert.Equal(4, await Publish("alerts", """{"message":{"kind":"gate.changed","gate":"B7"},"subject":"Gate","message_attributes":{"severity":"critical","priority":7}}"""));
        Assert.Equal(1, await Publish("alerts", """{"message":"plain text","message_attributes":{"severity":"info","priority":1}}"""));

        Assert.Equal(2, (await Client.MessagesEventuallyAsync("all-alerts", 2)).Count);
        var critical = Assert.Single(await Client.MessagesAsync("critical"))["body"]!;
        Assert.Equal("notification", (string?)critical["type"]);
        Assert.Equal("alerts", (string?)critical["topic"]);
        Assert.Equal("Gate", (string?)critical["subject"]);
        Assert.Equal("""{"kind":"gate.changed","gate":"B7"}""", (string?)critical["message"]);
        Assert.Equal("critical", (string?)critical["message_attributes"]!["severity"]);
        Assert.Single(await Client.MessagesAsync("gate-changes"));
        var raw = Assert.Single(await Client.MessagesAsync("raw"));
        Assert.Equal("""{"kind":"gate.changed","gate":"B7"}""", raw["body"]!.ToJsonString());
        Assert.Equal("alerts", (string?)raw["headers"]!["topic"]);

        var topic = await Client.GetJsonAsync("/topics/alerts");
        Assert.Equal(4, (int)topic!["subscriptions"]!);
        Assert.Equal("ops alerts", (string?)topic["description"]);
    }

    [Fact]
    public async Task A_topic_is_a_rule_target_and_the_whole_fan_out_commits_with_the_event()
    {
        await Client.PutOkAsync("/topics/flight-news", "{}");
        await Client.CreateQueueAsync("news-reader");
        await Subscribe("flight-news", """{"protocol":"queue","endpoint":"news-reader","filter_policy":{"detail":{"status":["DELAYED"]}},"filter_policy_scope":"message_body"}""");
        await Client.PutOkAsync("/rules/news", """{"event_pattern":{"source":["ops"]},"targets":[{"id":"t","type":"topic","name":"flight-news"}]}""");

        var delayed = await Client.PostEventAsync("ops", "news.posted", """{"status":"DELAYED"}""");
        await Client.PostEventAsync("ops", "news.posted", """{"status":"BOARDING"}""");
        var message = Assert.Single(await Client.MessagesAsync("news-reader"));
        Assert.Equal(delayed, (string?)message["event_id"]);
        Assert.Equal("news", (string?)message["headers"]!["rule"]);
        var notification = message["body"]!;
        Assert.Equal(delayed, (string?)JsonNode.Parse((string)notification["message"]!)!["id"]);
        var detail = await Client.GetJsonAsync($"/events/{delayed}");
        Assert.Equal("news-reader", (string?)detail!["deliveries"]![0]!["queue"]);
    }

    [Fact]
    public async Task Subscriptions_are_listed_read_and_deleted_and_a_deleted_topic_takes_them_along()
    {
        await Client.PutOkAsync("/topics/short-lived", "");
        await Client.CreateQueueAsync("sub-a");
        var first = await Subscribe("short-lived", """{"protocol":"queue","endpoint":"sub-a"}""");
        var second = await Subscribe("short-lived", """{"protocol":"queue","endpoint":"sub-a","filter_policy":{"x":["y"]}}""");
        var page = await Client.GetJsonAsync("/topics/short-lived/subscriptions?limit=1");
        Assert.Equal(first, (string?)page!["items"]![0]!["id"]);
        var next = await Client.GetJsonAsync("/topics/short-lived/subscriptions?limit=1&cursor=" + (string?)page["next_cursor"]);
        Assert.Equal(second, (string?)next!["items"]![0]!["id"]);
        Assert.Equal("""{"x":["y"]}""", (await Client.GetJsonAsync($"/topics/short-lived/subscriptions/{second}"))!["filter_policy"]!.ToJsonString());

        using (var deleted = await Client.DeleteAsync($"/topics/short-lived/subscriptions/{first}")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(0, await Publish("short-lived", """{"message":"m"}"""));
        using (var deleted = await Client.DeleteAsync("/topics/short-lived")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        await Client.PutOkAsync("/topics/short-lived", "{}");
        Assert.Equal(0, (int)(await Client.GetJsonAsync("/topics/short-lived"))!["subscriptions"]!);
        Assert.Contains("short-lived", (await Client.GetJsonAsync("/topics"))!["items"]!.AsArray().Select(t => (string?)t!["name"]));
    }

    [Fact]
    public async Task Topics_and_subscriptions_survive_a_restart()
    {
        await Client.PutOkAsync("/topics/durable", "{}");
        await Client.CreateQueueAsync("durable-sub");
        await Subscribe("durable", """{"protocol":"queue","endpoint":"durable-sub","filter_policy":{"keep":["yes"]}}""");
        _server = await _server.RestartAsync();
        Assert.Equal(1, await Publish("durable", """{"message":"after restart","message_attributes":{"keep":"yes"}}"""));
        Assert.Single(await Client.MessagesEventuallyAsync("durable-sub", 1));
    }

    [Theory]
    [InlineData("PUT", "/topics/bad%20name", "{}", "/name")]
    [InlineData("PUT", "/topics/t400", """{"description":5}""", "/description")]
    [InlineData("POST", "/topics/t400/subscriptions", """{"endpoint":"q"}""", "/protocol: required")]
    [InlineData("POST", "/topics/t400/subscriptions", """{"protocol":"email","endpoint":"q"}""", "/protocol: unknown protocol 'email'; registered: destination, queue")]
    [InlineData("POST", "/topics/t400/subscriptions", """{"protocol":"queue"}""", "/endpoint: required")]
    [InlineData("POST", "/topics/t400/subscriptions", """{"protocol":"queue","endpoint":"a b"}""", "/endpoint: must be a queue name")]
    [InlineData("POST", "/topics/t400/subscriptions", """{"protocol":"queue","endpoint":"q","filter_policy":{"a":"b"}}""", "/filter_policy/a: Event pattern is not valid. Reason:")]
    [InlineData("POST", "/topics/t400/subscriptions", """{"protocol":"queue","endpoint":"q","filter_policy_scope":"headers"}""", "/filter_policy_scope")]
    [InlineData("POST", "/topics/t400/messages", """{"subject":"s"}""", "/message: required")]
    [InlineData("POST", "/topics/t400/messages", """{"message":"m","message_attributes":{"a":{"b":1}}}""", "/message_attributes/a")]
    [InlineData("POST", "/topics/t400/messages", """{"message":"m","message_attributes":[1]}""", "/message_attributes")]
    [InlineData("POST", "/topics/t400/messages", """{"message":"m","subject":5}""", "/subject")]
    [InlineData("POST", "/topics/t400/messages", "{\"message\":", "")]
    public async Task Bad_requests_are_400_problems_pointing_at_the_fault(string method, string path, string body, string expected)
    {
        await Client.PutOkAsync("/topics/t400", "{}");
        using var response = await Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        });
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_topics_and_subscriptions_are_404_problems()
    {
        foreach (var (method, path, body) in new[]
                 {
                     ("GET", "/topics/none", (string?)null), ("DELETE", "/topics/none", null), ("GET", "/topics/none/subscriptions", null),
                     ("POST", "/topics/none/subscriptions", """{"protocol":"queue","endpoint":"q"}"""), ("POST", "/topics/none/messages", """{"message":"m"}"""),
                     ("GET", "/topics/none/subscriptions/x", null), ("DELETE", "/topics/none/subscriptions/x", null),
                 })
        {
            var request = new HttpRequestMessage(new HttpMethod(method), path);
            if (body is not null) request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var response = await Client.SendAsync(request);
            await response.ProblemAsync(HttpStatusCode.NotFound);
        }
    }
}
