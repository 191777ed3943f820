using Contrail.Bus;
using Microsoft.Extensions.Logging;

namespace Contrail.Tests.Bus;

/// <summary>
/// Asynchronous targets: delivered through the internal queue contrail.targets, retried under the target's
/// retry policy, then dead-lettered. The failing kinds are registered here exactly as a later kind
/// (workflow, destination) registers itself.
/// </summary>
public sealed class TargetDeliveryTests
{
    /// <summary>Retries without waiting, so a retry policy runs out in a moment.</summary>
    private static readonly Dictionary<string, string?> FastRetries = new()
    {
        ["Bus:TargetRetryBaseSeconds"] = "0",
        ["Bus:TargetRetryMaxSeconds"] = "0",
        ["Logging:LogLevel:" + LogTargets.Category] = "Information",
    };

    /// <summary>A target kind whose deliveries fail <paramref name="failures"/> times, then succeed; counts attempts.</summary>
    private sealed class FlakyKind(int failures)
    {
        private int _attempts;
        public int Attempts => Volatile.Read(ref _attempts);
        public List<string> Delivered { get; } = [];

        public TargetKind Kind => TargetKind.Async("flaky", (invocation, _) =>
        {
            if (Interlocked.Increment(ref _attempts) <= failures) throw new HttpRequestException("the endpoint answered 503");
            lock (Delivered) Delivered.Add(invocation.Input);
            return ValueTask.CompletedTask;
        });
    }

    private static string FlakyRule(string extra) => $$"""
        {"event_pattern":{"source":["flaky"]},"targets":[{"id":"f","type":"flaky","name":"endpoint"{{extra}}}]}
        """;

    [Fact]
    public async Task A_target_that_keeps_failing_goes_to_its_dead_letter_queue_when_its_retry_policy_runs_out()
    {
        var flaky = new FlakyKind(failures: int.MaxValue);
        await using var server = await TestServer.StartAsync(FastRetries, s => s.AddSingleton(flaky.Kind));
        var client = server.Client;
        await client.CreateQueueAsync("flaky-dlq");
        await client.PutOkAsync("/rules/flaky-rule", FlakyRule(""","retry_policy":{"maximum_retry_attempts":2,"maximum_event_age_in_seconds":3600},"dead_letter_queue":"flaky-dlq" """));

        var id = await client.PostEventAsync("flaky", "order.placed", """{"n":1}""");
        var dead = Assert.Single(await client.MessagesEventuallyAsync("flaky-dlq", 1));
        Assert.Equal(3, flaky.Attempts);
        Assert.Equal(id, (string?)dead["body"]!["id"]);
        Assert.Equal(id, (string?)dead["event_id"]);
        var headers = dead["headers"]!;
        Assert.Equal("MaximumRetryAttempts", (string?)headers["exhausted_retry_condition"]);
        Assert.Equal("2", (string?)headers["retry_attempts"]);
        Assert.Equal("the endpoint answered 503", (string?)headers["error"]);
        Assert.Equal("flaky-rule", (string?)headers["rule"]);
        Assert.Equal("f", (string?)headers["target"]);
        Assert.Equal("dead_lettered", (string?)(await client.GetJsonAsync($"/events/{id}"))!["status"]);
        // Nothing is left owing: the delivery was settled by dead-lettering it.
        await Eventually.Until(async () => (int)(await client.GetJsonAsync("/queues/contrail.targets"))!["in_flight"]!, n => n == 0);
        Assert.Empty(await client.MessagesAsync(AsyncTargetDelivery.QueueName, dlq: true));
    }

    [Fact]
    public async Task A_target_that_recovers_within_its_retry_policy_is_delivered_once()
    {
        var flaky = new FlakyKind(failures: 2);
        await using var server = await TestServer.StartAsync(FastRetries, s => s.AddSingleton(flaky.Kind));
        var client = server.Client;
        await client.CreateQueueAsync("unused-dlq");
        await client.PutOkAsync("/rules/flaky-rule", FlakyRule(""","input_path":"$.detail","retry_policy":{"maximum_retry_attempts":5},"dead_letter_queue":"unused-dlq" """));

        var id = await client.PostEventAsync("flaky", "order.placed", """{"n":7}""");
        var detail = await Eventually.Until(() => client.GetJsonAsync($"/events/{id}"), e => (string?)e!["status"] == "delivered", because: "the third attempt succeeds");
        var delivery = Assert.Single(detail!["deliveries"]!.AsArray())!;
        Assert.Equal("flaky-rule", (string?)delivery["rule"]);
        Assert.Equal(3, (int)delivery["receive_count"]!);
        Assert.Equal(["""{"n":7}"""], flaky.Delivered);
        Assert.Empty(await client.MessagesAsync("unused-dlq"));
    }

    [Fact]
    public async Task Without_a_dead_letter_queue_an_undeliverable_event_is_kept_in_the_internal_one()
    {
        var flaky = new FlakyKind(failures: int.MaxValue);
        await using var server = await TestServer.StartAsync(FastRetries, s => s.AddSingleton(flaky.Kind));
        var client = server.Client;
        await client.PutOkAsync("/rules/flaky-rule", FlakyRule(""","retry_policy":{"maximum_retry_attempts":0}"""));

        var id = await client.PostEventAsync("flaky", "order.placed");
        var detail = await Eventually.Until(() => client.GetJsonAsync($"/events/{id}"), e => (string?)e!["status"] == "dead_lettered");
        Assert.Contains("MaximumRetryAttempts exhausted after 1 attempts: the endpoint answered 503", (string?)detail!["deliveries"]![0]!["last_error"]);
        Assert.Equal(1, flaky.Attempts);
        var kept = Assert.Single(await client.MessagesAsync(AsyncTargetDelivery.QueueName, dlq: true));
        Assert.Equal(id, (string?)kept["event_id"]);
    }

    [Fact]
    public async Task A_log_target_writes_one_structured_line_per_event()
    {
        var logs = new CapturedLogs(LogTargets.Category);
        await using var server = await TestServer.StartAsync(FastRetries, s => s.AddSingleton<ILoggerProvider>(logs));
        var client = server.Client;
        await client.PutOkAsync("/rules/audit", """
            {"event_pattern":{"source":["audited"]},"targets":[{"id":"log","type":"log","name":"/contrail/audit",
             "input_transformer":{"input_paths_map":{"who":"$.detail.user"},"input_template":"\"<who> signed in\""}}]}
            """);
        var id = await client.PostEventAsync("audited", "user.signed-in", """{"user":"ada"}""");
        await Eventually.Until(() => client.GetJsonAsync($"/events/{id}"), e => (string?)e!["status"] == "delivered");
        var line = Assert.Single(logs.Lines);
        Assert.Equal($"[/contrail/audit] rule audit target log event {id}: \"ada signed in\"", line);
    }
}
