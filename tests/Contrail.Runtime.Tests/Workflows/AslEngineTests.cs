using System.Text.Json;
using Contrail.Workflows.Asl;

namespace Contrail.Tests.Workflows;

/// <summary>Driving frames by hand through the engine API, and behaviour the conformance corpus does not record.</summary>
public sealed class AslEngineTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static ExecutionContextData Exec(string input = "{}", ulong seed = 7) =>
        new("arn:aws:states:us-east-1:1:execution:sm:e1", "e1", AslValue.Parse(input), T0, "arn:aws:states:us-east-1:1:stateMachine:sm", "sm")
        {
            RandomSeed = seed,
        };

    [Fact]
    public void A_frame_is_driven_through_a_task_a_wait_and_a_map()
    {
        var def = AslDefinition.Parse("""
        {
          "StartAt": "Fetch",
          "States": {
            "Fetch": { "Type": "Task", "Resource": "contrail:function:fetch", "ResultPath": "$.items", "Next": "Pause" },
            "Pause": { "Type": "Wait", "Seconds": 30, "Next": "Each" },
            "Each": {
              "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
              "ItemProcessor": { "StartAt": "Double", "States": {
                "Double": { "Type": "Pass", "Parameters": { "v.$": "States.MathAdd($, $)" }, "End": true } } },
              "End": true
            }
          }
        }
        """);
        var exec = Exec("""{"order": 1}""");
        var root = AslEngine.StartRoot(def, exec);

        var step = AslEngine.Advance(def, exec, root, T0);
        var invoke = Assert.IsType<InvokeTaskAction>(step.Action);
        Assert.Equal(FrameStatus.AwaitingTask, step.Frame.Status);
        Assert.Equal("fetch", invoke.Request.FunctionName);
        Assert.Equal(TaskResourceKind.ContrailFunction, invoke.Request.Resource.Kind);
        Assert.Equal("""{"order":1}""", invoke.Request.Input.ToJsonString());
        Assert.Equal("arn:aws:states:us-east-1:1:execution:sm:e1|root|Fetch#1|0", invoke.Request.IdempotencyKey);
        Assert.Equal(["ExecutionStarted", "TaskStateEntered", "LambdaFunctionScheduled", "LambdaFunctionStarted"], step.Events.Select(e => e.Type));
        Assert.Equal(invoke.Request.IdempotencyKey, AslEngine.PendingTaskKey(exec, step.Frame));
        Assert.Equal(1, step.Transitions);

        // The driver stores the frame, runs the task (possibly in another process), and resumes from the stored row.
        var stored = JsonSerializer.Serialize(step.Frame);
        var frame = JsonSerializer.Deserialize<FrameState>(stored)!;
        step = AslEngine.ResumeWithTaskResult(def, exec, frame, AslValue.Parse("[1, 2, 3]"), T0.AddSeconds(1));
        var wait = Assert.IsType<WaitUntilAction>(step.Action);
        Assert.Null(AslEngine.PendingTaskKey(exec, step.Frame));
        Assert.Equal(TimerPurpose.WaitState, wait.Purpose);
        Assert.Equal(T0.AddSeconds(31), wait.Until);
        Assert.Equal(FrameStatus.AwaitingTimer, step.Frame.Status);

        step = AslEngine.ResumeAfterWait(def, exec, step.Frame, wait.Until);
        var start = Assert.IsType<StartChildrenAction>(step.Action);
        Assert.Equal(ChildBatchKind.InlineMap, start.Batch.Kind);
        Assert.Equal(2, start.Batch.MaxConcurrency);
        Assert.Equal(3, start.Batch.Children.Count);
        Assert.Equal("root/Each#3.0[1]", start.Batch.Children[1].FrameId);

        var outcomes = start.Batch.Children.Select((child, i) =>
        {
            var r = AslEngine.Advance(def, exec, child, wait.Until);
            var done = Assert.IsType<CompletedAction>(r.Action);
            Assert.Equal(["MapIterationStarted", "PassStateEntered", "PassStateExited", "MapIterationSucceeded"], r.Events.Select(e => e.Type));
            return ChildOutcome.From(r.Frame, i);
        }).ToArray();

        step = AslEngine.ResumeWithChildren(def, exec, step.Frame, outcomes, wait.Until);
        var completed = Assert.IsType<CompletedAction>(step.Action);
        Assert.Equal("""[{"v":2},{"v":4},{"v":6}]""", completed.Output.ToJsonString());
        Assert.Equal("ExecutionSucceeded", step.Events[^1].Type);
        Assert.Equal(3, step.Frame.Transitions);
    }

    [Fact]
    public void Retry_backs_off_with_the_interval_rate_and_cap_and_counts_attempts()
    {
        var def = AslDefinition.Parse("""
        { "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "contrail:function:f",
          "Parameters": { "attempt.$": "$$.State.RetryCount" },
          "Retry": [ { "ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 3, "MaxAttempts": 3, "MaxDelaySeconds": 10 } ],
          "End": true } } }
        """);
        var exec = Exec();
        var step = AslEngine.Advance(def, exec, AslEngine.StartRoot(def, exec), T0);
        var now = T0;
        var delays = new List<double>();
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var request = Assert.IsType<InvokeTaskAction>(step.Action).Request;
            Assert.Equal(attempt, request.Attempt);
            Assert.Equal(request.IdempotencyKey, AslEngine.PendingTaskKey(exec, step.Frame));
            Assert.Equal($"{{\"attempt\":{attempt}}}", request.Input.ToJsonString());
            step = AslEngine.ResumeWithTaskError(def, exec, step.Frame, "Boom", "it broke", now);
            if (step.Action is WaitUntilAction w)
            {
                Assert.Equal(TimerPurpose.RetryBackoff, w.Purpose);
                delays.Add((w.Until - now).TotalSeconds);
                now = w.Until;
                step = AslEngine.ResumeAfterWait(def, exec, step.Frame, now);
            }
        }
        Assert.Equal([2, 6, 10], delays); // 2, 2*3, min(2*9, 10)
        var failed = Assert.IsType<FailedAction>(step.Action);
        Assert.Equal("Boom", failed.Error);
        Assert.Equal("it broke", failed.Cause);
    }

    [Fact]
    public void Full_jitter_is_random_but_reproducible_from_the_frame()
    {
        var def = AslDefinition.Parse("""
        { "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "contrail:function:f",
          "Retry": [ { "ErrorEquals": ["States.ALL"], "IntervalSeconds": 100, "JitterStrategy": "FULL" } ], "End": true } } }
        """);
        TimeSpan Delay(ulong seed)
        {
            var exec = Exec(seed: seed);
            var step = AslEngine.Advance(def, exec, AslEngine.StartRoot(def, exec), T0);
            step = AslEngine.ResumeWithTaskError(def, exec, step.Frame, "X", null, T0);
            return Assert.IsType<WaitUntilAction>(step.Action).Until - T0;
        }
        Assert.Equal(Delay(1), Delay(1));
        Assert.NotEqual(Delay(1), Delay(2));
        Assert.InRange(Delay(1).TotalSeconds, 0, 100);
    }

    [Fact]
    public void States_Runtime_is_never_caught_and_TaskFailed_does_not_catch_timeouts()
    {
        var def = AslDefinition.Parse("""
        { "StartAt": "T", "States": {
          "T": { "Type": "Task", "Resource": "contrail:function:f", "Catch": [
            { "ErrorEquals": ["States.TaskFailed"], "Next": "Failed" },
            { "ErrorEquals": ["States.Timeout"], "ResultPath": "$.err", "Next": "TimedOut" } ], "End": true },
          "Failed": { "Type": "Pass", "Result": "task failed", "End": true },
          "TimedOut": { "Type": "Pass", "End": true } } }
        """);
        var exec = Exec("""{"a":1}""");
        var first = AslEngine.Advance(def, exec, AslEngine.StartRoot(def, exec), T0);

        var timedOut = AslEngine.ResumeWithTaskError(def, exec, first.Frame, AslErrorNames.Timeout, "too slow", T0);
        Assert.Equal("""{"a":1,"err":{"Error":"States.Timeout","Cause":"too slow"}}""", Assert.IsType<CompletedAction>(timedOut.Action).Output.ToJsonString());
        Assert.Contains(timedOut.Events, e => e.Type == "LambdaFunctionTimedOut");

        var failed = AslEngine.ResumeWithTaskError(def, exec, first.Frame, "Oops", null, T0);
        Assert.Equal("\"task failed\"", Assert.IsType<CompletedAction>(failed.Action).Output.ToJsonString());

        var runtime = AslEngine.ResumeWithTaskError(def, exec, first.Frame, AslErrorNames.Runtime, "bad", T0);
        Assert.Equal(AslErrorNames.Runtime, Assert.IsType<FailedAction>(runtime.Action).Error);
    }

    [Theory]
    [InlineData("""{"Or":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.b","StringEquals":"x"}],"Next":"Yes"}""", """{"a":2,"b":"x"}""", "Yes")]
    [InlineData("""{"Or":[{"Variable":"$.a","NumericEquals":1},{"Variable":"$.b","StringEquals":"x"}],"Next":"Yes"}""", """{"a":2,"b":"y"}""", "No")]
    [InlineData("""{"Variable":"$.t","IsTimestamp":true,"Next":"Yes"}""", """{"t":"2024-05-01T10:00:00+02:00"}""", "Yes")]
    [InlineData("""{"Variable":"$.t","IsTimestamp":true,"Next":"Yes"}""", """{"t":"2024-05-01 10:00:00Z"}""", "No")]
    [InlineData("""{"Variable":"$.t","IsTimestamp":false,"Next":"Yes"}""", """{"t":42}""", "Yes")]
    [InlineData("""{"Variable":"$.f","StringMatches":"log-*.txt","Next":"Yes"}""", """{"f":"log-2024-05.txt"}""", "Yes")]
    [InlineData("""{"Variable":"$.f","StringMatches":"log-*.txt","Next":"Yes"}""", """{"f":"log-2024-05.csv"}""", "No")]
    [InlineData("""{"Variable":"$.f","StringMatches":"a\\*b","Next":"Yes"}""", """{"f":"a*b"}""", "Yes")]
    [InlineData("""{"Variable":"$.f","StringMatches":"a\\*b","Next":"Yes"}""", """{"f":"axxb"}""", "No")]
    [InlineData("""{"Variable":"$.f","StringMatches":"*","Next":"Yes"}""", """{"f":""}""", "Yes")]
    [InlineData("""{"Variable":"$.t","TimestampGreaterThanPath":"$.u","Next":"Yes"}""", """{"t":"2024-01-01T00:00:01Z","u":"2024-01-01T01:00:00+02:00"}""", "Yes")]
    [InlineData("""{"Not":{"Variable":"$.missing","IsPresent":true},"Next":"Yes"}""", """{}""", "Yes")]
    public void Choice_rules_without_AWS_recordings_behave_as_specified(string rule, string input, string expected)
    {
        var def = AslDefinition.Parse($$"""
        { "StartAt": "C", "States": { "C": { "Type": "Choice", "Choices": [ {{rule}} ], "Default": "No" },
          "Yes": { "Type": "Pass", "Result": "Yes", "End": true }, "No": { "Type": "Pass", "Result": "No", "End": true } } }
        """);
        var exec = Exec(input);
        var step = AslEngine.Advance(def, exec, AslEngine.StartRoot(def, exec), T0);
        Assert.Equal($"\"{expected}\"", Assert.IsType<CompletedAction>(step.Action).Output.ToJsonString());
    }

    [Fact]
    public void A_comparison_on_a_missing_variable_is_a_runtime_error_and_no_match_without_default_is_NoChoiceMatched()
    {
        var def = AslDefinition.Parse("""
        { "StartAt": "C", "States": { "C": { "Type": "Choice", "Choices": [ { "Variable": "$.x", "NumericEquals": 1, "Next": "D" } ] },
          "D": { "Type": "Succeed" } } }
        """);
        var exec = Exec("{}");
        var missing = AslEngine.Advance(def, exec, AslEngine.StartRoot(def, exec), T0);
        var failed = Assert.IsType<FailedAction>(missing.Action);
        Assert.Equal(AslErrorNames.Runtime, failed.Error);
        Assert.StartsWith("An error occurred while executing the state 'C' (entered at the event id #2). Invalid path '$.x'", failed.Cause);

        var exec2 = Exec("""{"x":2}""");
        var noMatch = AslEngine.Advance(def, exec2, AslEngine.StartRoot(def, exec2), T0);
        Assert.Equal(AslErrorNames.NoChoiceMatched, Assert.IsType<FailedAction>(noMatch.Action).Error);
    }

    [Fact]
    public void WaitForTaskToken_puts_a_token_in_the_context_object_and_the_request()
    {
        var def = AslDefinition.Parse("""
        { "StartAt": "Send", "States": { "Send": { "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
          "Parameters": { "QueueUrl": "q", "MessageBody": { "token.$": "$$.Task.Token" } }, "End": true } } }
        """);
        var exec = Exec();
        var step = AslEngine.Advance(def, exec, AslEngine.StartRoot(def, exec), T0);
        var request = Assert.IsType<InvokeTaskAction>(step.Action).Request;
        Assert.Equal(IntegrationPattern.WaitForTaskToken, request.Resource.Pattern);
        Assert.Equal(TaskResourceKind.SqsSendMessage, request.Resource.Kind);
        Assert.NotNull(request.TaskToken);
        Assert.Equal(request.TaskToken, ((AslString)((AslObject)((AslObject)request.Input)["MessageBody"]!)["token"]!).Value);
        Assert.Equal(request.TaskToken, step.Frame.TaskToken);
        Assert.Equal("sendMessage.waitForTaskToken", step.Events.Single(e => e.Type == "TaskScheduled").Resource);
    }

    [Fact]
    public void Task_timeouts_come_from_the_definition_or_a_path()
    {
        var def = AslDefinition.Parse("""
        { "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f:live",
          "TimeoutSecondsPath": "$.timeout", "HeartbeatSeconds": 5, "End": true } } }
        """);
        var exec = Exec("""{"timeout": 60}""");
        var request = Assert.IsType<InvokeTaskAction>(AslEngine.Advance(def, exec, AslEngine.StartRoot(def, exec), T0).Action).Request;
        Assert.Equal(60, request.TimeoutSeconds);
        Assert.Equal(5, request.HeartbeatSeconds);
        Assert.Equal("f", request.FunctionName);
        Assert.Equal("live", request.FunctionQualifier);

        var bad = Exec("""{"timeout": "soon"}""");
        var failed = Assert.IsType<FailedAction>(AslEngine.Advance(def, bad, AslEngine.StartRoot(def, bad), T0).Action);
        Assert.Equal(AslErrorNames.Runtime, failed.Error);
    }

    [Fact]
    public void Distributed_map_tolerates_failures_up_to_its_threshold()
    {
        var json = """
        { "StartAt": "M", "States": { "M": { "Type": "Map", "ToleratedFailureCount": 1,
          "ItemProcessor": { "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" }, "StartAt": "Check", "States": {
            "Check": { "Type": "Choice", "Choices": [ { "Variable": "$", "NumericGreaterThan": 1, "Next": "Bad" } ], "Default": "Good" },
            "Bad": { "Type": "Fail", "Error": "TooBig", "Cause": "item > 1" },
            "Good": { "Type": "Succeed" } } }, "End": true } } }
        """;
        var def = AslDefinition.Parse(json);

        StepResult Run(string input)
        {
            var exec = Exec(input);
            var step = AslEngine.Advance(def, exec, AslEngine.StartRoot(def, exec), T0);
            var batch = Assert.IsType<StartChildrenAction>(step.Action).Batch;
            Assert.Equal(ChildBatchKind.DistributedMap, batch.Kind);
            var outcomes = batch.Children.Select((c, i) =>
            {
                var r = AslEngine.Advance(def, exec, c, T0);
                Assert.Empty(r.Events); // child executions keep their events out of the parent's history
                return ChildOutcome.From(r.Frame, i);
            }).ToArray();
            return AslEngine.ResumeWithChildren(def, exec, step.Frame, outcomes, T0);
        }

        var tolerated = Run("[0, 1, 2]");
        Assert.Equal("""[0,1,{"Error":"TooBig","Cause":"item > 1"}]""", Assert.IsType<CompletedAction>(tolerated.Action).Output.ToJsonString());
        Assert.Contains(tolerated.Events, e => e.Type == "MapRunSucceeded");

        var exceeded = Run("[2, 3]");
        var failed = Assert.IsType<FailedAction>(exceeded.Action);
        Assert.Equal(AslErrorNames.ExceedToleratedFailureThreshold, failed.Error);
        Assert.Equal(["MapRunFailed", "MapStateFailed", "ExecutionFailed"], exceeded.Events.Select(e => e.Type));
    }

    [Fact]
    public async Task Variables_flow_into_inline_children_but_not_out_and_not_into_distributed_maps()
    {
        var def = AslDefinition.Parse("""
        { "StartAt": "Set", "States": {
          "Set": { "Type": "Pass", "Assign": { "x": 1 }, "Next": "Inline" },
          "Inline": { "Type": "Map", "ItemsPath": "$.items", "ItemProcessor": { "StartAt": "Read", "States": {
              "Read": { "Type": "Pass", "Parameters": { "x.$": "$x" }, "Assign": { "inner": 2 }, "End": true } } },
            "ResultPath": "$.inline", "Next": "After" },
          "After": { "Type": "Pass", "Parameters": { "x.$": "$x", "innerVisible.$": "States.ArrayLength(States.Array())" }, "ResultPath": "$.after", "Next": "Distributed" },
          "Distributed": { "Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {
              "ProcessorConfig": { "Mode": "DISTRIBUTED", "ExecutionType": "STANDARD" }, "StartAt": "ReadOuter", "States": {
              "ReadOuter": { "Type": "Pass", "Parameters": { "x.$": "$x" }, "End": true } } },
            "ToleratedFailurePercentage": 100, "ResultPath": "$.distributed", "End": true } } }
        """);
        var runner = new InMemoryAslRunner((r, ct) => throw new InvalidOperationException());
        var result = await runner.RunAsync(def, AslValue.Parse("""{"items":[0]}"""), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(AslExecutionStatus.Succeeded, result.Status);
        var output = (AslObject)result.Output!;
        Assert.Equal("""[{"x":1}]""", output["inline"]!.ToJsonString());
        Assert.Equal("""{"x":1,"innerVisible":0}""", output["after"]!.ToJsonString());
        // Inside a distributed map the outer $x is not visible: the item fails (tolerated, so the error is its result).
        Assert.Equal(AslErrorNames.Runtime, ((AslObject)((AslArray)output["distributed"]!)[0])["Error"]!.ToString().Trim('"'));
        Assert.DoesNotContain(result.History, e => e.AssignedVariables?.ContainsKey("inner") == true && e.FrameId == "root");
    }

    [Fact]
    public void Long_loops_yield_Continue_so_one_step_stays_bounded()
    {
        var def = AslDefinition.Parse("""
        { "StartAt": "Init", "States": {
          "Init": { "Type": "Pass", "Result": { "n": 0 }, "Next": "Loop" },
          "Loop": { "Type": "Choice", "Choices": [ { "Variable": "$.n", "NumericGreaterThanEquals": 1500, "Next": "Done" } ], "Default": "Inc" },
          "Inc": { "Type": "Pass", "Parameters": { "n.$": "States.MathAdd($.n, 1)" }, "Next": "Loop" },
          "Done": { "Type": "Succeed" } } }
        """);
        var exec = Exec();
        var step = AslEngine.Advance(def, exec, AslEngine.StartRoot(def, exec), T0);
        Assert.IsType<ContinueAction>(step.Action);
        Assert.Equal(AslEngine.TransitionBudget, step.Transitions);
        var total = (long)step.Transitions;
        while (step.Action is ContinueAction)
        {
            step = AslEngine.Advance(def, exec, step.Frame, T0);
            total += step.Transitions;
        }
        Assert.Equal("""{"n":1500}""", Assert.IsType<CompletedAction>(step.Action).Output.ToJsonString());
        Assert.Equal(1 + 1501 + 1500 + 1, total);
    }

    [Fact]
    public async Task Execution_timeout_ends_with_ExecutionTimedOut()
    {
        var def = AslDefinition.Parse("""
        { "TimeoutSeconds": 10, "StartAt": "W", "States": { "W": { "Type": "Wait", "Seconds": 60, "End": true } } }
        """);
        var runner = new InMemoryAslRunner((r, ct) => throw new InvalidOperationException());
        var result = await runner.RunAsync(def, AslObject.Empty, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(AslExecutionStatus.TimedOut, result.Status);
        Assert.Equal(AslErrorNames.Timeout, result.Error);
        Assert.Equal("ExecutionTimedOut", result.History[^1].Type);
        Assert.Equal(result.StartTime.AddSeconds(10), result.StopTime);
    }

    [Fact]
    public async Task The_in_memory_runner_respects_MaxConcurrency_and_stops_an_inline_map_at_the_first_failure()
    {
        var def = AslDefinition.Parse("""
        { "StartAt": "M", "States": { "M": { "Type": "Map", "MaxConcurrency": 3,
          "ItemProcessor": { "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "contrail:function:work", "End": true } } },
          "End": true } } }
        """);
        var running = 0;
        var peak = 0;
        var runner = new InMemoryAslRunner(AslTaskHandlers.FromFunctions(async (name, payload, ct) =>
        {
            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await Task.Delay(20, ct);
            Interlocked.Decrement(ref running);
            return payload;
        }));
        var items = AslValue.Parse("[" + string.Join(",", Enumerable.Range(0, 12)) + "]");
        var ok = await runner.RunAsync(def, items, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(AslExecutionStatus.Succeeded, ok.Status);
        Assert.Equal(items, ok.Output);
        Assert.Equal(3, peak);

        var calls = 0;
        var failing = new InMemoryAslRunner(AslTaskHandlers.FromFunctions((name, payload, ct) =>
        {
            Interlocked.Increment(ref calls);
            return ((AslNumber)payload).Long == 2 ? throw new InvalidOperationException("item 2") : ValueTask.FromResult(payload);
        }));
        var sequential = AslDefinition.Parse("""
        { "StartAt": "M", "States": { "M": { "Type": "Map", "MaxConcurrency": 1,
          "ItemProcessor": { "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "contrail:function:work", "End": true } } },
          "End": true } } }
        """);
        var failed = await failing.RunAsync(sequential, items, cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(AslExecutionStatus.Failed, failed.Status);
        Assert.Equal("InvalidOperationException", failed.Error);
        Assert.Equal("item 2", failed.Cause);
        Assert.Equal(3, calls); // items 3..11 never started
    }

    [Fact]
    public async Task Lambda_invoke_results_are_wrapped_like_AWS_by_the_function_handler()
    {
        var def = AslDefinition.Parse("""
        { "StartAt": "T", "States": { "T": { "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
          "Parameters": { "FunctionName": "arn:aws:lambda:us-east-1:1:function:echo:prod", "Payload": { "v.$": "$.v" } },
          "ResultSelector": { "status.$": "$.StatusCode", "payload.$": "$.Payload", "version.$": "$.ExecutedVersion" }, "End": true } } }
        """);
        string? seen = null;
        var runner = new InMemoryAslRunner(AslTaskHandlers.FromFunctions((name, payload, ct) =>
        {
            seen = name;
            return ValueTask.FromResult(payload);
        }));
        var result = await runner.RunAsync(def, AslValue.Parse("""{"v": 5}"""), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("echo", seen);
        Assert.Equal("""{"status":200,"payload":{"v":5},"version":"$LATEST"}""", result.Output!.ToJsonString());
        var wrapped = LambdaInvokeResponse.Wrap(AslValue.Parse("""{"a":"é"}"""), "req-1");
        Assert.Equal("10", ((AslObject)((AslObject)wrapped["SdkHttpMetadata"]!)["HttpHeaders"]!)["Content-Length"]!.ToString().Trim('"'));
    }

    [Fact]
    public void History_events_render_in_the_AWS_shape()
    {
        var def = AslDefinition.Parse("""{ "StartAt": "P", "States": { "P": { "Type": "Pass", "Assign": { "a": 1 }, "End": true } } }""");
        var exec = Exec("""{"k":"v"}""");
        var step = AslEngine.Advance(def, exec, AslEngine.StartRoot(def, exec), T0);
        var exited = step.Events.Single(e => e.Type == "PassStateExited").ToAwsJson();
        Assert.Equal(
            """{"timestamp":"2025-01-01T00:00:00.000Z","type":"PassStateExited","id":3,"previousEventId":2,"stateExitedEventDetails":{"name":"P","output":"{\"k\":\"v\"}","outputDetails":{"truncated":false},"assignedVariables":{"a":"1"},"assignedVariablesDetails":{"truncated":false}}}""",
            exited.ToJsonString());
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current) { }
    }
}
