using Contrail.Bus;
using Contrail.Events;
using Contrail.Functions;
using Contrail.Hosting;
using Contrail.Storage;
using Contrail.Workflows;

namespace Contrail.Tests.Workflows;

/// <summary>Timers and frames that outlive a process, bounded memory on a huge Map, failure propagation, rule targets.</summary>
public sealed class WorkflowDurabilityTests
{
    [Fact]
    public async Task A_Wait_timer_and_a_retry_back_off_survive_a_restart()
    {
        var server = await TestServer.StartAsync(services: Functions);
        try
        {
            await server.Client.PutMachineAsync("patient", """
                {"StartAt": "Wait", "States": {
                  "Wait": {"Type": "Wait", "Seconds": 2, "Next": "Flaky"},
                  "Flaky": {"Type": "Task", "Resource": "contrail:function:fail-once", "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2}], "End": true}}}
                """);
            var waiting = await server.Client.StartAsync("patient");
            var started = DateTimeOffset.UtcNow;
            server = await server.RestartAsync(services: Functions);
            var ended = await server.Client.EndedAsync(waiting);
            Assert.True((string?)ended!["status"] == "SUCCEEDED", ended.ToJsonString());
            // Two seconds of Wait, then a failed attempt and two seconds of back-off, measured across the restart.
            Assert.True(DateTimeOffset.UtcNow - started >= TimeSpan.FromSeconds(3.9), $"ended after {DateTimeOffset.UtcNow - started}");
            var history = await server.Client.HistoryAsync(waiting);
            Assert.Equal(2, history.Count(e => (string?)e["type"] == "LambdaFunctionScheduled"));
            Assert.Equal(Enumerable.Range(1, history.Count), history.Select(e => (int)e["id"]!));
        }
        finally
        {
            await server.DisposeAsync();
        }

        static void Functions(IServiceCollection s)
        {
            var failed = new HashSet<string>();
            s.AddTransactionalFunction("fail-once", (_, ctx) =>
            {
                lock (failed)
                    if (failed.Add(ctx.IdempotencyKey[..ctx.IdempotencyKey.LastIndexOf('|')])) throw new FunctionException("Busy");
                return new JsonObject { ["ok"] = true };
            });
        }
    }

    [Fact]
    public async Task A_huge_Map_keeps_few_frames_in_memory_and_its_children_in_rows()
    {
        // Small limits force every path through rows: unstarted children, finished outcomes, many transactions.
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["Workflows:MaxChildrenInMemory"] = "50",
            ["Workflows:MaxStepsPerTransaction"] = "300",
        }, s => s.AddFunction("square", (ctx, _) => ValueTask.FromResult<JsonNode?>((int)ctx.Input! * (int)ctx.Input!)));
        const int items = 3_000;
        await server.Client.PutMachineAsync("huge", """
            {"StartAt": "Each", "States": {
              "Each": {"Type": "Map", "MaxConcurrency": 8, "ItemsPath": "$.items",
                       "ItemProcessor": {"StartAt": "Square", "States": {"Square": {"Type": "Task", "Resource": "contrail:function:square", "End": true}}},
                       "End": true}}}
            """);
        var runner = server.Services.GetRequiredService<WorkflowRunner>();
        var transactionsBefore = runner.Transactions;
        var ended = await server.Client.RunAsync("huge", new JsonObject { ["items"] = new JsonArray([.. Enumerable.Range(0, items).Select(i => (JsonNode)i)]) });
        var output = ended["output"]!.AsArray();
        Assert.Equal(items, output.Count);
        for (var i = 0; i < items; i++) Assert.Equal((long)i * i, (long)output[i]!);
        // The root, at most MaxConcurrency iterations, and nothing left of the 3,000 children.
        Assert.True(runner.PeakActiveFrames <= 1 + 8, $"peak frames in memory: {runner.PeakActiveFrames}");
        Assert.True(runner.Transactions - transactionsBefore > 20, "the Map ran in many transactions");
        var rows = server.Store.Read(r => r.WorkflowFrameListActive(server.Store.Read(x => x.WorkflowExecutionGet((string)ended["execution_id"]!))!.Seq));
        Assert.Empty(rows);
        var history = await server.Client.GetJsonAsync($"/executions/{ended["execution_id"]}/history?reverse=true&limit=1");
        Assert.Equal("ExecutionSucceeded", (string?)history!["events"]![0]!["type"]);
    }

    [Fact]
    public async Task A_failing_item_aborts_its_siblings_and_fails_the_Map_and_Parallel_collects_in_order()
    {
        await using var server = await TestServer.StartAsync(services: s =>
            s.AddFunction("maybe", async (ctx, ct) =>
            {
                if ((int)ctx.Input! == 3) throw new FunctionException("Item.Bad", "item 3");
                await Task.Delay(TimeSpan.FromSeconds((int)ctx.Input! == 0 ? 20 : 0), ct);
                return ctx.Input!.DeepClone();
            }));
        await server.Client.PutMachineAsync("fragile", """
            {"StartAt": "Both", "States": {
              "Both": {"Type": "Parallel", "Branches": [
                  {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "a", "End": true}}},
                  {"StartAt": "Each", "States": {"Each": {"Type": "Map", "MaxConcurrency": 2, "ItemsPath": "$.items",
                     "ItemProcessor": {"StartAt": "Maybe", "States": {"Maybe": {"Type": "Task", "Resource": "contrail:function:maybe", "End": true}}},
                     "End": true}}}],
               "Catch": [{"ErrorEquals": ["Item.Bad"], "ResultPath": "$.caught", "Next": "Caught"}], "End": true},
              "Caught": {"Type": "Pass", "End": true}}}
            """);
        var ended = await server.Client.RunAsync("fragile", new JsonObject { ["items"] = new JsonArray(0, 1, 2, 3, 4, 5) });
        Assert.Equal("item 3", (string?)ended["output"]!["caught"]!["Cause"]);
        var history = await server.Client.HistoryAsync((string)ended["execution_id"]!);
        Assert.Contains(history, e => (string?)e["type"] == "MapIterationAborted" && (int)e["mapIterationAbortedEventDetails"]!["index"]! == 0);
        Assert.DoesNotContain(history, e => (string?)e["type"] == "MapIterationStarted" && (int)e["mapIterationStartedEventDetails"]!["index"]! == 5);
        Assert.Contains(history, e => (string?)e["type"] == "ParallelStateFailed");

        var ok = await server.Client.RunAsync("fragile", new JsonObject { ["items"] = new JsonArray(1, 2) });
        Assert.Equal("""["a",[1,2]]""", ok["output"]!.ToJsonString());
    }

    [Fact]
    public async Task A_rule_target_starts_one_execution_per_event_even_when_delivered_twice()
    {
        await using var server = await TestServer.StartAsync(services: s =>
        {
            s.AddStateMachine("on-booking", """{"StartAt": "Take", "States": {"Take": {"Type": "Pass", "InputPath": "$.detail", "End": true}}}""");
            s.AddRule(new Rule
            {
                Name = "bookings",
                EventPattern = JsonNode.Parse("""{"detail-type": ["booking.created"]}""")!.AsObject(),
                Targets = [new RuleTarget { Id = "workflow", Type = WorkflowTargets.Type, Name = "on-booking" }],
            });
        });
        using var posted = await server.Client.PostJsonAsync("/events", """{"id": "evt-1", "source": "shop", "detail-type": "booking.created", "detail": {"booking": "B7"}}""");
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var list = await Eventually.Until(() => server.Client.GetJsonAsync("/executions?state_machine=on-booking"),
            l => l!["items"]!.AsArray().Count == 1 && (string?)l["items"]![0]!["status"] == "SUCCEEDED", because: "the rule to start the workflow");
        var id = (string)list!["items"]![0]!["execution_id"]!;
        var execution = await server.Client.GetJsonAsync($"/executions/{id}");
        Assert.Equal("B7", (string?)execution!["output"]!["booking"]);
        Assert.Equal("evt-1", (string?)execution["input"]!["id"]);
        Assert.Equal("rule:bookings/workflow", (string?)execution["started_by"]);

        // The same delivery again (a retried delivery, a second process): the same execution, none started.
        var runner = server.Services.GetRequiredService<WorkflowRunner>();
        var stored = server.Store.Read(r => r.EventGet("evt-1"))!;
        var envelope = EventEnvelope.Parse(stored.Body);
        var rule = server.Services.GetRequiredService<EventBus>().Rules.Rules["bookings"];
        var problem = await server.Store.WriteAsync(w => WorkflowTargets.Deliver(runner, w, new TargetDelivery(envelope, stored.Body, rule, rule.Targets[0], stored.Body)));
        Assert.Null(problem);
        Assert.Single((await server.Client.GetJsonAsync("/executions?state_machine=on-booking"))!["items"]!.AsArray());
    }

    [Fact]
    public async Task Retention_removes_ended_executions_with_their_history_and_keeps_running_ones()
    {
        await using var server = await TestServer.StartAsync();
        await server.Client.PutMachineAsync("quick", """{"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}""");
        await server.Client.PutMachineAsync("sleepy", """{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}}""");
        var ended = (string)(await server.Client.RunAsync("quick"))["execution_id"]!;
        var running = await server.Client.StartAsync("sleepy");
        var sweeper = new RetentionSweeper(server.Store, Microsoft.Extensions.Options.Options.Create(new ContrailOptions()),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<RetentionSweeper>.Instance);
        await sweeper.SweepAsync(new RetentionOptions { Executions = TimeSpan.FromSeconds(-1) }, CancellationToken.None);
        await (await server.Client.GetAsync($"/executions/{ended}")).ProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal("RUNNING", (string?)(await server.Client.GetJsonAsync($"/executions/{running}"))!["status"]);
        Assert.NotEmpty(await server.Client.HistoryAsync(running));
    }

    [Fact]
    public async Task An_invalid_declared_state_machine_fails_start_up_with_every_problem()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestServer.StartAsync(services: s =>
        {
            s.AddStateMachine("bad one", """{"StartAt": "A", "States": {"A": {"Type": "Pass"}}}""");
            s.AddStateMachine("worse", """{"StartAt": "B", "States": {}}""");
            s.AddStateMachine("unwired", """{"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "contrail:function:nobody", "End": true}}}""");
        }));
        Assert.Contains("bad one", error.Message);
        Assert.Contains("worse", error.Message);
        Assert.Contains("a name is", error.Message);
        Assert.Contains("state 'T' calls function 'nobody', which no application registers", error.Message);
    }
}
