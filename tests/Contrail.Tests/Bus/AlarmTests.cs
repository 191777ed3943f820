using Contrail.Bus;
using Contrail.Hosting;
using Contrail.Queues;

namespace Contrail.Tests.Bus;

public sealed class AlarmTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> QuickEvaluation = new()
    {
        ["Alarms:EvaluationInterval"] = "00:00:00.100",
        ["Bus:TargetRetryBaseSeconds"] = "0",
        ["Bus:TargetRetryMaxSeconds"] = "0",
    };

    private TestServer _server = null!;

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(QuickEvaluation);

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private HttpClient Client => _server.Client;

    private static Task<JsonNode?> StateEventually(HttpClient client, string alarm, string state) =>
        Eventually.Until(() => client.GetJsonAsync($"/alarms/{alarm}"), a => (string?)a!["state"] == state, because: $"{alarm} in {state}");

    /// <summary>Alarm events are routed by a rule like any others: to a queue the test reads.</summary>
    private static async Task RouteAlarmsToInbox(HttpClient client)
    {
        await client.CreateQueueAsync("alarm-inbox");
        await client.PutOkAsync("/rules/alarms-to-inbox", """{"event_pattern":{"source":["contrail.alarms"]},"targets":[{"id":"q","type":"queue","name":"alarm-inbox"}]}""");
    }

    [Fact]
    public async Task A_queue_depth_alarm_raises_and_clears_and_its_events_are_routed_by_rules()
    {
        await RouteAlarmsToInbox(Client);
        await Client.CreateQueueAsync("backlog");
        using (var created = await Client.PutJsonAsync("/alarms/backlog-high",
                   """{"description":"too much waiting","source":"queue","resource":"backlog","metric":"depth","comparison":"greater_than","threshold":2}"""))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            Assert.Equal("INSUFFICIENT_DATA", (string?)(await created.JsonAsync())["state"]);
        }
        await StateEventually(Client, "backlog-high", "OK");
        for (var i = 0; i < 3; i++) await Client.PostOkAsync("/queues/backlog/messages", $$$"""{"body":{"n":{{{i}}}}}""");

        var alarm = await StateEventually(Client, "backlog-high", "ALARM");
        Assert.Equal(3, (double)alarm!["state_value"]!);
        var raised = Assert.Single(await Client.MessagesEventuallyAsync("alarm-inbox", 1))["body"]!;
        Assert.Equal("alarm.raised", (string?)raised["detail-type"]);
        Assert.Equal("contrail.alarms", (string?)raised["source"]);
        Assert.Equal("backlog-high", (string?)raised["detail"]!["alarm"]);
        Assert.Equal("OK", (string?)raised["detail"]!["previous_state"]);
        Assert.Equal(3, (double)raised["detail"]!["value"]!);

        await Client.PostOkAsync("/queues/backlog/purge", "");
        await StateEventually(Client, "backlog-high", "OK");
        var cleared = (await Client.MessagesEventuallyAsync("alarm-inbox", 2))[1]["body"]!;
        Assert.Equal("alarm.cleared", (string?)cleared["detail-type"]);

        var history = (await Client.GetJsonAsync("/alarms/backlog-high"))!["history"]!.AsArray();
        Assert.Equal(["ALARM>OK", "OK>ALARM", "INSUFFICIENT_DATA>OK"],
            history.Select(h => $"{(string?)h!["old_state"]}>{(string?)h["new_state"]}").ToArray());
        Assert.Contains("depth of queue 'backlog' was 3 (> 2)", (string?)history[1]!["reason"]);
        var listed = Assert.Single((await Client.GetJsonAsync("/alarms"))!["items"]!.AsArray(), a => (string?)a!["name"] == "backlog-high")!;
        Assert.Equal("OK", (string?)listed["state"]);
    }

    [Fact]
    public async Task Error_and_dead_letter_alarms_trip_on_a_failing_queue_consumer_and_a_failing_rule_target()
    {
        await using var server = await TestServer.StartAsync(QuickEvaluation, s =>
        {
            s.AddQueue("faulty", new QueueAttributes { MaxReceiveCount = 1 });
            s.AddQueueConsumer(_ => new QueueConsumerRegistration("faulty", (_, _) => throw new InvalidOperationException("handler bug"), null));
            s.AddSingleton(TargetKind.Async("broken", (_, _) => throw new HttpRequestException("connection refused")));
        });
        var client = server.Client;
        await client.PutOkAsync("/alarms/faulty-errors", """{"source":"queue","resource":"faulty","metric":"error_rate","comparison":"greater_than_or_equal","threshold":50,"period_seconds":60}""");
        await client.PutOkAsync("/alarms/faulty-dlq", """{"source":"queue","resource":"faulty","metric":"dlq_depth","comparison":"greater_than_or_equal","threshold":1}""");
        await client.PutOkAsync("/alarms/target-errors", """{"source":"rule_target","resource":"broken-rule/b","metric":"errors","comparison":"greater_than_or_equal","threshold":1}""");
        await client.PutOkAsync("/rules/broken-rule", """{"event_pattern":{"source":["broken"]},"targets":[{"id":"b","type":"broken","name":"x","retry_policy":{"maximum_retry_attempts":0}}]}""");
        foreach (var name in new[] { "faulty-errors", "faulty-dlq", "target-errors" }) await StateEventually(client, name, "OK");

        await client.PostOkAsync("/queues/faulty/messages", """{"body":"work"}""");
        await client.PostEventAsync("broken", "x");
        var errors = await StateEventually(client, "faulty-errors", "ALARM");
        Assert.Equal(100, (double)errors!["state_value"]!);
        await StateEventually(client, "faulty-dlq", "ALARM");
        await StateEventually(client, "target-errors", "ALARM");
    }

    [Fact]
    public async Task An_alarm_for_a_resource_that_does_not_exist_has_insufficient_data()
    {
        await Client.PutOkAsync("/alarms/ghost", """{"source":"queue","resource":"no-such-queue","metric":"oldest_message_age_seconds","comparison":"greater_than","threshold":60}""");
        await Client.PutOkAsync("/alarms/ghost-target", """{"source":"rule_target","resource":"no-rule/t","metric":"error_rate","comparison":"greater_than","threshold":1}""");
        await Client.CreateQueueAsync("real");
        await Client.PutOkAsync("/alarms/real-age", """{"source":"queue","resource":"real","metric":"oldest_message_age_seconds","comparison":"greater_than","threshold":60}""");
        await StateEventually(Client, "real-age", "OK");
        Assert.Equal("INSUFFICIENT_DATA", (string?)(await Client.GetJsonAsync("/alarms/ghost"))!["state"]);
        Assert.Equal("INSUFFICIENT_DATA", (string?)(await Client.GetJsonAsync("/alarms/ghost-target"))!["state"]);
    }

    [Fact]
    public async Task Alarm_state_and_history_survive_a_restart()
    {
        await Client.CreateQueueAsync("stuck");
        await Client.PostOkAsync("/queues/stuck/messages", """{"body":"x"}""");
        await Client.PutOkAsync("/alarms/stuck-alarm", """{"source":"queue","resource":"stuck","metric":"depth","comparison":"greater_than_or_equal","threshold":1,"evaluation_periods":2}""");
        await StateEventually(Client, "stuck-alarm", "ALARM");
        _server = await _server.RestartAsync(QuickEvaluation);
        var alarm = await Client.GetJsonAsync("/alarms/stuck-alarm");
        Assert.Equal("ALARM", (string?)alarm!["state"]);
        Assert.Equal(2, (int)alarm["evaluation_periods"]!);
        Assert.Equal("INSUFFICIENT_DATA>ALARM", $"{(string?)alarm["history"]![0]!["old_state"]}>{(string?)alarm["history"]![0]!["new_state"]}");
        using (var deleted = await Client.DeleteAsync("/alarms/stuck-alarm")) Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await Client.GetAsync("/alarms/stuck-alarm");
        await gone.ProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Alarms_declared_in_configuration_files_load_at_start_and_are_read_only()
    {
        var dir = TempDirectory.Create("alarm-config");
        try
        {
            var file = Path.Combine(dir, "alarms.json");
            await File.WriteAllTextAsync(file, """
                // Operations alarms
                [{"name":"targets-backlog","source":"queue","resource":"contrail.targets","metric":"depth","comparison":"greater_than","threshold":1000},]
                """);
            await using var server = await TestServer.StartAsync(new Dictionary<string, string?>(QuickEvaluation) { ["Alarms:Files:0"] = file });
            var alarm = await StateEventually(server.Client, "targets-backlog", "OK");
            Assert.Equal("config", (string?)alarm!["origin"]);
            using (var put = await server.Client.PutJsonAsync("/alarms/targets-backlog", """{"source":"queue","resource":"q","metric":"depth","comparison":"greater_than","threshold":1}"""))
                Assert.Contains("configuration file", (string?)(await put.ProblemAsync(HttpStatusCode.Conflict))["detail"]);
            using (var delete = await server.Client.DeleteAsync("/alarms/targets-backlog")) await delete.ProblemAsync(HttpStatusCode.Conflict);
        }
        finally
        {
            TempDirectory.Delete(dir);
        }
    }

    [Theory]
    [InlineData("/alarms/bad%20name", """{"source":"queue","resource":"q","metric":"depth","comparison":"greater_than","threshold":1}""", "/name")]
    [InlineData("/alarms/a", """{"source":"disk","resource":"q","metric":"depth","comparison":"greater_than","threshold":1}""", "/source: unknown metric source 'disk'; registered: destination, queue, rule_target")]
    [InlineData("/alarms/a", """{"source":"queue","resource":"q","metric":"latency","comparison":"greater_than","threshold":1}""", "/metric: 'latency' is not a metric of queue")]
    [InlineData("/alarms/a", """{"source":"queue","resource":"q","metric":"depth","comparison":"bigger","threshold":1}""", "/comparison: must be one of greater_than")]
    [InlineData("/alarms/a", """{"source":"queue","resource":"q","metric":"depth","comparison":"greater_than","threshold":1,"period_seconds":5}""", "/period_seconds")]
    [InlineData("/alarms/a", """{"source":"queue","resource":"q","metric":"depth","comparison":"greater_than","threshold":1,"evaluation_periods":0}""", "/evaluation_periods")]
    [InlineData("/alarms/a", """{"source":"queue","resource":"","metric":"depth","comparison":"greater_than","threshold":1}""", "/resource")]
    [InlineData("/alarms/a", """{"source":"queue","metric":"depth","threshold":1}""", ": required: 'resource', 'comparison'")]
    [InlineData("/alarms/a", """{"source":"queue","resource":"q","metric":"depth","comparison":"greater_than","threshold":"high"}""", "/threshold: has the wrong type")]
    [InlineData("/alarms/a", "{\"source\":", "")]
    public async Task Bad_alarms_are_400_problems_pointing_at_the_fault(string path, string body, string expected)
    {
        using var response = await Client.PutJsonAsync(path, body);
        var problem = await response.ProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(problem.Errors(), e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Unknown_alarms_are_404_problems()
    {
        using (var get = await Client.GetAsync("/alarms/none")) await get.ProblemAsync(HttpStatusCode.NotFound);
        using (var delete = await Client.DeleteAsync("/alarms/none")) await delete.ProblemAsync(HttpStatusCode.NotFound);
    }
}
