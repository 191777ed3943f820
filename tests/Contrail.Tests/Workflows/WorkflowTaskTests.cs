using System.Collections.Concurrent;
using Contrail.Bus;
using Contrail.Functions;
using Contrail.Hosting;
using Contrail.Queues;

namespace Contrail.Tests.Workflows;

/// <summary>Task states of every resource kind, run by the durable runner on a real server.</summary>
public sealed class WorkflowTaskTests : IAsyncLifetime
{
    private TestServer _server = null!;
    private HttpClient Client => _server.Client;
    private readonly ConcurrentDictionary<string, int> _attempts = new();

    public async ValueTask InitializeAsync() => _server = await TestServer.StartAsync(services: s =>
    {
        s.AddTransactionalFunction("add", (_, ctx) => new JsonObject { ["sum"] = (int)ctx.Input!["a"]! + (int)ctx.Input["b"]! });
        s.AddFunction("echo", (ctx, _) => ValueTask.FromResult<JsonNode?>(new JsonObject { ["got"] = ctx.Input?.DeepClone(), ["key"] = ctx.IdempotencyKey }));
        s.AddFunction("reject", (_, _) => throw new FunctionException("Booking.Rejected", "seat taken"));
        s.AddTransactionalFunction("crash", (_, _) => throw new InvalidOperationException("boom"));
        s.AddFunction("flaky", (ctx, _) =>
        {
            // Fails the first attempt of each task: a Retry with back-off then succeeds.
            var attempt = _attempts.AddOrUpdate(ctx.IdempotencyKey[..ctx.IdempotencyKey.LastIndexOf('|')], 1, (_, n) => n + 1);
            return attempt == 1 ? throw new FunctionException("Flaky.Busy", "try again") : ValueTask.FromResult<JsonNode?>(new JsonObject { ["attempt"] = attempt });
        });
        s.AddFunction("slow", async (_, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            return null;
        });
        s.AddQueue("outbox");
        s.AddQueue("routed");
        s.AddRule(new Rule
        {
            Name = "booked-to-queue",
            EventPattern = JsonNode.Parse("""{"source": ["workflow.test"]}""")!.AsObject(),
            Targets = [new RuleTarget { Id = "q", Type = "queue", Name = "routed" }],
        });
    });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task Function_resources_transactional_async_lambda_arn_and_lambda_invoke()
    {
        await Client.PutMachineAsync("functions", """
            {"StartAt": "Add", "States": {
              "Add": {"Type": "Task", "Resource": "contrail:function:add", "ResultPath": "$.added", "Next": "Echo"},
              "Echo": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "Parameters": {"n.$": "$.added.sum"}, "ResultPath": "$.echoed", "Next": "Invoke"},
              "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                         "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:echo:$LATEST", "Payload": {"x.$": "$.added.sum"}},
                         "ResultSelector": {"payload.$": "$.Payload", "status.$": "$.StatusCode"}, "ResultPath": "$.invoked", "End": true}}}
            """);
        var ended = await Client.RunAsync("functions", new JsonObject { ["a"] = 2, ["b"] = 3 });
        var output = ended["output"]!;
        Assert.Equal(5, (int)output["added"]!["sum"]!);
        Assert.Equal(5, (int)output["echoed"]!["got"]!["n"]!);
        Assert.Equal($"{ended["execution_arn"]}|root|Echo#2|0", (string?)output["echoed"]!["key"]);
        Assert.Equal(5, (int)output["invoked"]!["payload"]!["got"]!["x"]!);
        Assert.Equal(200, (int)output["invoked"]!["status"]!);
        var history = await Client.HistoryAsync((string)ended["execution_id"]!);
        Assert.Contains(history, e => (string?)e["type"] == "LambdaFunctionSucceeded");
        Assert.Contains(history, e => (string?)e["type"] == "TaskSucceeded" && (string?)e["taskSucceededEventDetails"]!["resourceType"] == "lambda");
    }

    [Fact]
    public async Task Function_errors_are_named_as_Lambda_names_them_and_can_be_caught_or_retried()
    {
        await Client.PutMachineAsync("errors", """
            {"StartAt": "Reject", "States": {
              "Reject": {"Type": "Task", "Resource": "contrail:function:reject", "Catch": [{"ErrorEquals": ["Booking.Rejected"], "ResultPath": "$.rejected", "Next": "Crash"}], "End": true},
              "Crash": {"Type": "Task", "Resource": "contrail:function:crash", "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.crashed", "Next": "Flaky"}], "End": true},
              "Flaky": {"Type": "Task", "Resource": "contrail:function:flaky", "Retry": [{"ErrorEquals": ["Flaky.Busy"], "IntervalSeconds": 1, "MaxAttempts": 2}], "ResultPath": "$.flaky", "Next": "Missing"},
              "Missing": {"Type": "Task", "Resource": "contrail:function:nobody", "End": true}}}
            """);
        var ended = await Client.RunAsync("errors", expectStatus: "FAILED");
        Assert.Equal("Lambda.ResourceNotFoundException", (string?)ended["error"]);
        var history = await Client.HistoryAsync((string)ended["execution_id"]!);
        var rejected = history.First(e => (string?)e["type"] == "LambdaFunctionFailed")["lambdaFunctionFailedEventDetails"]!;
        Assert.Equal("Booking.Rejected", (string?)rejected["error"]);
        Assert.Equal("seat taken", (string?)rejected["cause"]);
        var crashed = history.Where(e => (string?)e["type"] == "LambdaFunctionFailed").ElementAt(1)["lambdaFunctionFailedEventDetails"]!;
        Assert.Equal("InvalidOperationException", (string?)crashed["error"]);
        Assert.Equal("boom", (string?)JsonNode.Parse((string)crashed["cause"]!)!["errorMessage"]);
        var flaky = history.First(e => (string?)e["type"] == "TaskStateExited" && (string?)e["stateExitedEventDetails"]!["name"] == "Flaky");
        Assert.Equal(2, (int)JsonNode.Parse((string)flaky["stateExitedEventDetails"]!["output"]!)!["flaky"]!["attempt"]!);
    }

    [Fact]
    public async Task Sqs_send_message_enqueues_in_the_step_transaction()
    {
        await Client.PutMachineAsync("sender", """
            {"StartAt": "Send", "States": {
              "Send": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                       "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/outbox", "MessageBody": {"order.$": "$.order"},
                                      "MessageAttributes": {"kind": {"DataType": "String", "StringValue": "order"}}}, "Next": "Missing"},
              "Missing": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"QueueUrl": "nowhere", "MessageBody": "x"},
                          "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Done"}], "End": true},
              "Done": {"Type": "Succeed"}}}
            """);
        var ended = await Client.RunAsync("sender", new JsonObject { ["order"] = 42 });
        Assert.Equal("SQS.QueueDoesNotExistException", (string?)ended["output"]!["error"]!["Error"]);
        var messages = await Client.GetJsonAsync("/queues/outbox/messages");
        var message = Assert.Single(messages!["items"]!.AsArray());
        Assert.Equal(42, (int)message!["body"]!["order"]!);
        Assert.Equal("order", (string?)message["headers"]!["kind"]);
        var history = await Client.HistoryAsync((string)ended["execution_id"]!);
        var sent = JsonNode.Parse((string)history.First(e => (string?)e["type"] == "TaskSucceeded")["taskSucceededEventDetails"]!["output"]!)!;
        Assert.NotNull((string?)sent["MessageId"]);
        Assert.Equal(32, ((string)sent["MD5OfMessageBody"]!).Length);
    }

    [Fact]
    public async Task Put_events_publishes_to_the_bus_with_ids_derived_from_the_task()
    {
        await Client.PutMachineAsync("publisher", """
            {"StartAt": "Publish", "States": {
              "Publish": {"Type": "Task", "Resource": "arn:aws:states:::events:putEvents",
                          "Parameters": {"Entries": [{"Source": "workflow.test", "DetailType": "booking.confirmed", "Detail": {"booking.$": "$.booking"}}]}, "End": true}}}
            """);
        var ended = await Client.RunAsync("publisher", new JsonObject { ["booking"] = "B1" });
        Assert.Equal(0, (int)ended["output"]!["FailedEntryCount"]!);
        var eventId = (string)ended["output"]!["Entries"]![0]!["EventId"]!;
        var stored = await Client.GetJsonAsync($"/events/{eventId}");
        Assert.Equal("B1", (string?)stored!["event"]!["detail"]!["booking"]);
        Assert.Equal(["booked-to-queue"], stored["matched_rules"]!.AsArray().Select(r => (string)r!));
        await Eventually.Until(() => Client.GetJsonAsync("/queues/routed"), q => (int)q!["depth"]! == 1, because: "the rule to route the event");
    }

    [Fact]
    public async Task Start_execution_request_response_sync_and_sync2_and_a_failing_child()
    {
        await Client.PutMachineAsync("child", """
            {"StartAt": "Check", "States": {
              "Check": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "BooleanEquals": true, "Next": "Fail"}], "Default": "Ok"},
              "Ok": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.n, $.n)"}, "End": true},
              "Fail": {"Type": "Fail", "Error": "Child.Failed", "Cause": "asked to"}}}
            """);
        await Client.PutMachineAsync("parent", """
            {"StartAt": "Fire", "States": {
              "Fire": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution",
                       "Parameters": {"StateMachineArn": "arn:aws:states:local:000000000000:stateMachine:child", "Input": {"n": 1, "fail": false}}, "ResultPath": "$.fired", "Next": "Sync"},
              "Sync": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync",
                       "Parameters": {"StateMachineArn": "arn:aws:states:local:000000000000:stateMachine:child", "Input": {"n": 2, "fail": false}}, "ResultPath": "$.sync", "Next": "Sync2"},
              "Sync2": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                        "Parameters": {"StateMachineArn": "child", "Name": "named-child", "Input": {"n": 3, "fail": false}}, "ResultPath": "$.sync2", "Next": "Failing"},
              "Failing": {"Type": "Task", "Resource": "arn:aws:states:::states:startExecution.sync:2",
                          "Parameters": {"StateMachineArn": "child", "Input": {"n": 4, "fail": true}},
                          "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.failed", "Next": "Done"}], "End": true},
              "Done": {"Type": "Succeed"}}}
            """);
        var ended = await Client.RunAsync("parent");
        var output = ended["output"]!;
        Assert.StartsWith("arn:aws:states:local:000000000000:execution:child:", (string?)output["fired"]!["ExecutionArn"]);
        Assert.Equal("SUCCEEDED", (string?)output["sync"]!["Status"]);
        Assert.Equal("{\"doubled\":4}", (string?)output["sync"]!["Output"]);
        Assert.Equal(6, (int)output["sync2"]!["Output"]!["doubled"]!);
        Assert.Equal("arn:aws:states:local:000000000000:execution:child:named-child", (string?)output["sync2"]!["ExecutionArn"]);
        var cause = JsonNode.Parse((string)output["failed"]!["Cause"]!)!;
        Assert.Equal("FAILED", (string?)cause["Status"]);
        Assert.Equal("Child.Failed", (string?)cause["Error"]);

        var children = await Client.GetJsonAsync("/executions?state_machine=child");
        Assert.Equal(4, children!["items"]!.AsArray().Count);
        Assert.All(children["items"]!.AsArray(), c => Assert.NotEqual("RUNNING", (string?)c!["status"]));
        Assert.Equal((string?)ended["execution_id"], (string?)(await Client.GetJsonAsync("/executions/child:named-child"))!["started_by"]);
    }

    [Fact]
    public async Task Wait_for_task_token_resumes_on_the_callback_and_times_out_without_heartbeats()
    {
        await Client.PutMachineAsync("approval", """
            {"StartAt": "Ask", "States": {
              "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "HeartbeatSeconds": 60,
                      "Parameters": {"QueueUrl": "outbox", "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}}, "End": true}}}
            """);
        var approved = await Client.StartAsync("approval", new JsonObject { ["order"] = 1 });
        var message = await Eventually.Until(() => Client.GetJsonAsync("/queues/outbox/messages"), m => m!["items"]!.AsArray().Count == 1, because: "the message with the token");
        var token = (string)message!["items"]![0]!["body"]!["token"]!;
        using (var beat = await Client.PostJsonAsync("/task-tokens/heartbeat", new JsonObject { ["task_token"] = token }.ToJsonString()))
            Assert.Equal(HttpStatusCode.NoContent, beat.StatusCode);
        using (var success = await Client.PostJsonAsync("/task-tokens/success", new JsonObject { ["task_token"] = token, ["output"] = new JsonObject { ["approved"] = true } }.ToJsonString()))
            Assert.Equal(HttpStatusCode.NoContent, success.StatusCode);
        var ended = await Client.EndedAsync(approved);
        Assert.True((string?)ended!["status"] == "SUCCEEDED", ended.ToJsonString());
        Assert.True((bool)ended["output"]!["approved"]!);
        using (var twice = await Client.PostJsonAsync("/task-tokens/success", new JsonObject { ["task_token"] = token, ["output"] = 1 }.ToJsonString()))
            await twice.ProblemAsync(HttpStatusCode.NotFound);

        await Client.PutMachineAsync("forgotten", """
            {"StartAt": "Ask", "States": {
              "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "HeartbeatSeconds": 1,
                      "Parameters": {"QueueUrl": "outbox", "MessageBody": {"token.$": "$$.Task.Token"}}, "End": true}}}
            """);
        var forgotten = await Client.RunAsync("forgotten", expectStatus: "FAILED");
        Assert.Equal("States.HeartbeatTimeout", (string?)forgotten["error"]);
    }

    [Fact]
    public async Task Task_and_execution_timeouts_are_enforced()
    {
        await Client.PutMachineAsync("slow-task", """
            {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "contrail:function:slow", "TimeoutSeconds": 1, "End": true}}}
            """);
        var timedOut = await Client.RunAsync("slow-task", expectStatus: "FAILED");
        Assert.Equal("States.Timeout", (string?)timedOut["error"]);
        var history = await Client.HistoryAsync((string)timedOut["execution_id"]!);
        Assert.Contains(history, e => (string?)e["type"] == "LambdaFunctionTimedOut");

        await Client.PutMachineAsync("slow-execution", """
            {"TimeoutSeconds": 1, "StartAt": "Sleep", "States": {"Sleep": {"Type": "Wait", "Seconds": 30, "End": true}}}
            """);
        var execution = await Client.RunAsync("slow-execution", expectStatus: "TIMED_OUT");
        Assert.Equal("States.Timeout", (string?)execution["error"]);
        Assert.Equal("ExecutionTimedOut", (string?)(await Client.HistoryAsync((string)execution["execution_id"]!))[^1]["type"]);
    }
}
